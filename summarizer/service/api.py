"""The JSON API: submit arXiv ids in bulk, watch and retry jobs, read cards (current or approved) as JSON
or Markdown.

`create_app(settings, store, enqueue)` builds an app (tests pass their own store and a recording
enqueue); `summarizer.service.api:app` is the app uvicorn serves, built from `load()` on first access.
Card text is untrusted (model output, editors' edits): it leaves as JSON or escaped Markdown, never HTML.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from importlib.metadata import version
from typing import Annotated, Any, Literal, TypeVar

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from summarizer import render
from summarizer.card import Card
from summarizer.errors import InvalidArxivId, JobNotFound, JobNotRetryable, UpstreamUnavailable
from summarizer.ingest import ids
from summarizer.jobs import JobState
from summarizer.service.accounts import Role
from summarizer.service.auth import Auth, SignInRequired, refuse
from summarizer.service.digest_pages import add_digest_pages
from summarizer.service.intake import Enqueue, Intake, Submission
from summarizer.service.store import CardView, JobView, RevisionView, Store, UserView
from summarizer.service.web import add_pages
from summarizer.settings import Settings, load

__all__ = ["create_app"]

logger = logging.getLogger(__name__)

MAX_IDS = 500  # per request: one submit is one transaction, and a client can always send more requests
MAX_ID_CHARS = 1000  # an id or arxiv.org URL is far shorter; longer strings are not worth echoing back
MAX_BODY_BYTES = 1024 * 1024  # MAX_IDS ids of MAX_ID_CHARS characters, with room for JSON overhead
RETRY_AFTER_S = 30  # what a 503 tells clients to wait when the queue or database is down
MARKDOWN = "text/markdown"
Answer = TypeVar("Answer", CardView, RevisionView)  # a card route's JSON body


# --- request and response bodies -----------------------------------------------------------------------


class Problem(BaseModel):
    """An error: what went wrong, in words the caller can act on."""

    detail: str


class SubmitRequest(BaseModel):
    """arXiv ids (or arxiv.org URLs) to summarize; force re-runs jobs that are already done."""

    model_config = ConfigDict(extra="forbid")
    ids: list[Annotated[str, Field(max_length=MAX_ID_CHARS)]] = Field(
        min_length=1, max_length=MAX_IDS, examples=[["2501.12948", "hep-th/9901001", "arxiv.org/abs/2307.16789v2"]]
    )
    force: bool = False


class SubmitResponse(BaseModel):
    """One result per submitted id, in order, and how many were created, already existed, or were invalid."""

    created: int
    existing: int
    invalid: int
    results: list[Submission]


class JobList(BaseModel):
    """A page of jobs, newest first."""

    jobs: list[JobView]
    state: JobState | None
    limit: int
    offset: int


class Health(BaseModel):
    """Whether the service can reach its database."""

    status: Literal["ok", "unavailable"]
    database: str


# --- the app ---------------------------------------------------------------------------------------------


def create_app(settings: Settings, store: Store | None = None, enqueue: Enqueue | None = None) -> FastAPI:
    """The API over `store` (default: one on settings.database_url, migrated at startup and closed at shutdown)."""
    owned = store is None
    database = Store(settings.database_url) if store is None else store

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # a store passed in belongs to the caller (tests, the CLI): they migrate and close it
        if owned:
            database.migrate()
        try:
            yield
        finally:
            if owned:
                database.close()

    auth = Auth(settings.web, database)
    app = FastAPI(
        # deny by default: every route needs a session or a token, except auth.PUBLIC_PATHS
        dependencies=[Depends(auth.authenticate)],
        responses=SIGN_IN,
        docs_url=None,  # served below, behind sign-in
        openapi_url=None,
        title="summarizer",
        version=version("summarizer"),
        summary="arXiv papers into grounded editorial cards: submit ids, follow jobs, read cards.",
        lifespan=lifespan,
        max_body_size=MAX_BODY_BYTES,
    )
    app.state.store = database
    app.state.intake = Intake(database, settings, enqueue)
    app.middleware("http")(_security_headers)
    app.add_exception_handler(UpstreamUnavailable, _unavailable)
    app.add_exception_handler(SignInRequired, refuse)
    _routes(app)
    _docs(app)
    pages = add_pages(app, auth, database, app.state.intake, settings.cache_dir)
    add_digest_pages(app, pages, database, app.state.intake, settings)
    return app


def _store(request: Request) -> Store:
    """The app's store (a FastAPI dependency)."""
    store: Store = request.app.state.store
    return store


def _intake(request: Request) -> Intake:
    """The app's intake (a FastAPI dependency)."""
    intake: Intake = request.app.state.intake
    return intake


def _user(request: Request) -> UserView:
    """The signed-in user (a FastAPI dependency; the app-wide authenticate dependency found them)."""
    user: UserView = request.state.user
    return user


StoreDep = Annotated[Store, Depends(_store)]
UserDep = Annotated[UserView, Depends(_user)]
IntakeDep = Annotated[Intake, Depends(_intake)]
Responses = dict[int | str, dict[str, Any]]
NOT_FOUND: Responses = {404: {"model": Problem, "description": "No such job or card"}}
UNAVAILABLE: Responses = {503: {"model": Problem, "description": "The queue or database is unavailable; retry later"}}
# every route but /healthz answers 401 without a session or an API token
SIGN_IN: Responses = {401: {"model": Problem, "description": "No session or API token (Authorization: Bearer <token>)"}}


def _routes(app: FastAPI) -> None:
    """Register the routes on `app`."""

    @app.post("/api/jobs", tags=["jobs"], responses={
        **UNAVAILABLE, 403: {"model": Problem, "description": "force is for admins"}})
    def submit_jobs(body: SubmitRequest, intake: IntakeDep, user: UserDep) -> SubmitResponse:
        """Queue a job per id; ids already queued or done return their existing job, malformed ids their error.

        Only an admin may force a re-run of finished jobs (it replaces a drafted card's model revision).
        """
        if body.force and user.role != Role.ADMIN:
            raise HTTPException(403, "only an admin may force re-runs (summarizer users add NAME --role admin)")
        results = intake.submit(body.ids, force=body.force)
        return SubmitResponse(
            created=sum(r.created for r in results),
            existing=sum(r.job is not None and not r.created for r in results),
            invalid=sum(r.error is not None for r in results),
            results=results,
        )

    @app.get("/api/jobs", tags=["jobs"])
    def list_jobs(
        store: StoreDep,
        state: JobState | None = None,
        limit: Annotated[int, Query(ge=1, le=MAX_IDS)] = 50,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> JobList:
        """Jobs newest first, optionally only those in one state."""
        return JobList(jobs=store.list_jobs(state, limit, offset), state=state, limit=limit, offset=offset)

    @app.get("/api/jobs/{job_id}", tags=["jobs"], responses=NOT_FOUND)
    def get_job(job_id: int, store: StoreDep) -> JobView:
        """One job: state, stage, attempts, last error and seconds per stage."""
        job = store.get_job(job_id)
        if job is None:
            raise HTTPException(404, str(JobNotFound(job_id)))
        return job

    @app.post(
        "/api/jobs/{job_id}/retry", status_code=202, tags=["jobs"],
        responses={**NOT_FOUND, 409: {"model": Problem, "description": "The job has not failed"}, **UNAVAILABLE},
    )
    def retry_job(job_id: int, intake: IntakeDep) -> JobView:
        """Queue a failed job again (202); a job that is queued, running or done is left alone (409)."""
        try:
            return intake.retry(job_id)
        except JobNotFound as error:
            raise HTTPException(404, str(error)) from None
        except JobNotRetryable as error:
            raise HTTPException(409, str(error)) from None

    # before /api/cards/{arxiv_id:path}, which would take ".../published" for an id (and answer 400)
    @app.get(
        "/api/cards/{arxiv_id:path}/published", tags=["cards"], response_model=RevisionView,
        responses={
            200: {"content": {MARKDOWN: {"schema": {"type": "string"}}},
                  "description": "The approved revision as JSON, or Markdown (?format=md, Accept: text/markdown)"},
            400: {"model": Problem, "description": "Not an arXiv id"},
            404: {"model": Problem, "description": "No card, or editors have approved no revision of it"},
        },
    )
    def get_published_card(
        arxiv_id: str,
        store: StoreDep,
        response: Response,
        fmt: Annotated[Literal["json", "md"] | None, Query(alias="format")] = None,
        accept: Annotated[str, Header()] = "",
    ) -> RevisionView | Response:
        """A paper's card as published: the revision editors approved, whatever was saved after it."""
        wanted = _arxiv_id(arxiv_id)
        approved = store.approved_card(wanted.base)
        if approved is None:
            if store.get_card(wanted.base) is None:
                raise HTTPException(404, f"no card for {wanted.base}")
            raise HTTPException(404, f"the card for {wanted.base} has no approved revision: editors have not "
                                     "approved it yet")
        return _card_answer(wanted, approved.card, approved, response, fmt, accept)

    @app.get(
        "/api/cards/{arxiv_id:path}", tags=["cards"], response_model=CardView,
        responses={
            200: {"content": {MARKDOWN: {"schema": {"type": "string"}}},
                  "description": "The card as JSON, or as Markdown with ?format=md or Accept: text/markdown"},
            400: {"model": Problem, "description": "Not an arXiv id"},
            **NOT_FOUND,
        },
    )
    def get_card(
        arxiv_id: str,
        store: StoreDep,
        response: Response,
        fmt: Annotated[Literal["json", "md"] | None, Query(alias="format")] = None,
        accept: Annotated[str, Header()] = "",
    ) -> CardView | Response:
        """A paper's card at its current revision (with its revision number and approval)."""
        wanted = _arxiv_id(arxiv_id)
        view = store.get_card(wanted.base)
        if view is None:
            raise HTTPException(404, f"no card for {wanted.base}")
        return _card_answer(wanted, view.card, view, response, fmt, accept)

    @app.get("/healthz", tags=["service"], responses={503: {"model": Health}})
    def healthz(store: StoreDep, response: Response) -> Health:
        """200 when the database answers, 503 when it does not."""
        try:
            with store.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError as error:
            logger.warning("health check: database unreachable: %s", error)
            response.status_code = 503
            return Health(status="unavailable", database=type(error).__name__)
        return Health(status="ok", database="ok")


def _docs(app: FastAPI) -> None:
    """The OpenAPI schema and its Swagger page, behind sign-in like everything else."""

    @app.get("/openapi.json", include_in_schema=False)
    def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        page = get_swagger_ui_html(openapi_url="/openapi.json", title=f"{app.title} API")
        # Swagger UI comes from its CDN and starts with one inline script: allow that script by its hash
        inline = bytes(page.body).decode().rsplit("<script>", 1)[1].split("</script>", 1)[0]
        digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
        page.headers["Content-Security-Policy"] = (
            f"default-src 'none'; script-src https://cdn.jsdelivr.net 'sha256-{digest}'; "
            "style-src https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
            "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
        )
        return page


# --- helpers ---------------------------------------------------------------------------------------------


async def _unavailable(_request: Request, error: Exception) -> Response:
    """503 with Retry-After for a queue or service that may come back."""
    return JSONResponse({"detail": str(error)}, status_code=503, headers={"Retry-After": str(RETRY_AFTER_S)})


async def _security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Forbid sniffing and framing everywhere, and active content outside the pages (card text is untrusted)."""
    response = await call_next(request)
    # a browser must not sniff escaped-but-hostile Markdown or JSON into HTML
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    # pages and /docs set their own policy; anything else (JSON, Markdown, redirects) runs nothing
    response.headers.setdefault("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
    return response


def _arxiv_id(text: str) -> ids.ArxivId:
    """The arXiv id a card route was asked for; 400 when it is none."""
    try:
        return ids.parse(text)
    except InvalidArxivId as error:
        raise HTTPException(400, str(error)) from None


def _card_answer(
    wanted: ids.ArxivId, card: Card, body: Answer, response: Response, fmt: str | None, accept: str
) -> Answer | Response:
    """`body` (the JSON answer), or `card` as Markdown when asked for; 404 when the id names another version."""
    # one card per paper: a request for another version than the card's must not get this one
    if wanted.version is not None and card.version not in (None, f"v{wanted.version}"):
        raise HTTPException(404, f"the card for {wanted.base} is of {card.version}, not v{wanted.version}")
    # caches must keep the JSON and the Markdown answer apart
    if fmt == "md" or (fmt is None and _prefers_markdown(accept)):
        return Response(render.markdown(card), media_type=MARKDOWN, headers={"Vary": "Accept"})
    response.headers["Vary"] = "Accept"
    return body


def _prefers_markdown(accept: str) -> bool:
    """True when the Accept header ranks text/markdown above JSON (on equal q, the one listed first wins)."""
    # (q, -position): a higher q wins, then an earlier mention
    markdown: tuple[float, int] = (0.0, 0)
    json: tuple[float, int] = (0.0, 0)
    for position, entry in enumerate(accept.split(",")):
        media, *params = (part.strip() for part in entry.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        rank = (quality, -position)
        if media.lower() == MARKDOWN:
            markdown = max(markdown, rank)
        elif media.lower() in ("application/json", "application/*", "*/*"):
            json = max(json, rank)
    return markdown[0] > 0 and markdown > json


_app: FastAPI | None = None


def __getattr__(name: str) -> FastAPI:
    """`app` for `uvicorn summarizer.service.api:app`, built from load() on first access (not at import)."""
    global _app
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if _app is None:
        _app = create_app(load())
    return _app
