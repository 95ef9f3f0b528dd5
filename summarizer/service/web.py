"""The editor workspace's pages (server-rendered, autoescaped Jinja2): sign in and out, the inbox, the card
editor with its evidence and live preview, review, and the revision history with restore.

Everything shown comes from paper text, model output or editors, so templates escape all of it; pages run
no inline script (the Content-Security-Policy forbids it) and every form carries a CSRF token.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from http import HTTPStatus
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Form, HTTPException, Query, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi_csrf_protect.exceptions import CsrfProtectError
from jinja2 import Environment, FileSystemLoader
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from summarizer.card import Card
from summarizer.errors import BadInput, JobNotFound, JobNotRetryable, RevisionConflict
from summarizer.ingest.arxiv import cached_pdf
from summarizer.jobs import JobState, ReviewState
from summarizer.service import regrounding
from summarizer.service.auth import CSRF_FIELD, PUBLISHED_PREFIX, Auth, TooManyAttempts, refuse, safe_next
from summarizer.service.editing import diff, form_layout, read_form
from summarizer.service.intake import Intake
from summarizer.service.stats import EDITED_FIELDS, edit_rates
from summarizer.service.store import CardView, Store, UserView
from summarizer.service.store.models import utcnow
from summarizer.service.store.views import card_data

__all__ = ["PAGE_POLICY", "PAGE_SIZE", "Pages", "add_pages", "posted_form", "revision_number", "user_name"]

PACKAGE = Path(__file__).resolve().parent.parent
PAGE_SIZE = 50
# the inbox's filters: where a job is, then where its card is in review
STATUSES = tuple(s.value for s in JobState if s is not JobState.DONE) + tuple(s.value for s in ReviewState)
STATUS_PATTERN = "^(" + "|".join(STATUSES) + ")?$"
# pages: own scripts, styles and images only; no inline script, no framing, forms post back here only
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# paths whose 404 is no workspace page: the API's (JSON), static files, the public digests (no sign-in)
NOT_PAGES = ("/api/", "/static/", PUBLISHED_PREFIX)
_templates = Environment(loader=FileSystemLoader(PACKAGE / "templates" / "web"), autoescape=True)


def _age(then: datetime, now: datetime) -> str:
    """How long ago, in the largest whole unit: '40 s', '12 min', '5 h', '3 d'."""
    seconds = max(0, int((now - then).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


_templates.filters["age"] = _age


def add_pages(app: FastAPI, auth: Auth, store: Store, intake: Intake, cache_dir: Path) -> Pages:
    """Register the workspace's pages and its static files on `app`; the page renderer, for more pages."""
    app.mount("/static", StaticFiles(directory=PACKAGE / "static"), name="static")

    pages = Pages(auth)

    async def not_found(request: Request, error: Exception) -> Response:
        """A missing page, in the workspace's layout, for a signed-in editor; an anonymous visitor is sent to
        sign in (a 404 would tell what exists). The API, static files and the public digests answer as before."""
        assert isinstance(error, StarletteHTTPException)
        path = request.url.path
        if error.status_code != 404 or path.startswith(NOT_PAGES):
            return await http_exception_handler(request, error)
        user = getattr(request.state, "user", None) or await run_in_threadpool(auth.user, request)
        if user is None:
            return refuse(request, error)
        request.state.user = user  # an unknown path ran no route, so nobody looked before
        # Starlette's own 404 (no route) says only "Not Found": the path says it all then
        detail = None if error.detail == HTTPStatus.NOT_FOUND.phrase else error.detail
        return pages.render(request, "not_found.html", status=404, path=path, detail=detail)

    app.add_exception_handler(StarletteHTTPException, not_found)

    @app.get("/signin", include_in_schema=False)
    def signin_form(request: Request, next_page: Annotated[str | None, Query(alias="next")] = None) -> Response:
        if auth.user(request) is not None:
            return RedirectResponse(safe_next(next_page), status_code=303)
        return pages.render(request, "signin.html", next=safe_next(next_page), username="", error=None)

    @app.post("/signin", include_in_schema=False)
    async def signin(
        request: Request,
        name: Annotated[str, Form(max_length=64)],
        password: Annotated[str, Form(max_length=1024)],
        next_page: Annotated[str, Form(alias="next")] = "/",
    ) -> Response:
        failed = await pages.csrf_failure(request, "signin.html", next=safe_next(next_page), username=name)
        if failed is not None:
            return failed
        address = request.client.host if request.client else "unknown"
        try:
            user = await run_in_threadpool(auth.check_password, name, password, address)
        except TooManyAttempts as error:
            response = pages.render(request, "signin.html", status=429, next=safe_next(next_page), username=name,
                                    error=str(error))
            response.headers["Retry-After"] = str(error.retry_after)
            return response
        if user is None:
            return pages.render(request, "signin.html", status=401, next=safe_next(next_page), username=name,
                                error="Wrong user name or password.")
        redirect = RedirectResponse(safe_next(next_page), status_code=303)
        await run_in_threadpool(auth.start_session, request, user, redirect)
        return redirect

    @app.post("/signout", include_in_schema=False)
    async def signout(request: Request) -> Response:
        failed = await pages.csrf_failure(request, "signin.html", next="/", username="")
        if failed is not None:
            return failed
        response = RedirectResponse("/signin", status_code=303)
        await run_in_threadpool(auth.end_session, request, response)
        return response

    @app.post("/jobs/{job_id}/retry", include_in_schema=False)
    async def retry(
        request: Request, job_id: int, next_page: Annotated[str, Form(alias="next")] = "/"
    ) -> Response:
        """The list's retry button: queue a failed job again, then show the list it was pressed on."""
        back = safe_next(next_page)
        failed = await pages.csrf_failure(request, "signin.html", next=back, username="")
        if failed is not None:
            return failed
        try:
            await run_in_threadpool(intake.retry, job_id)
        except (JobNotFound, JobNotRetryable):
            pass  # retried from another tab, or no longer failed: the list shows its state
        return RedirectResponse(back, status_code=303)

    @app.get("/", include_in_schema=False)
    def inbox(
        request: Request,
        status: Annotated[str | None, Query(pattern=STATUS_PATTERN)] = None,
        q: Annotated[str | None, Query(max_length=200)] = None,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> Response:
        rows = store.inbox(status or None, q, PAGE_SIZE, offset)
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return pages.render(request, "inbox.html", here=here, rows=rows, chosen=status or None, q=q or "",
                            statuses=STATUSES, offset=offset, limit=PAGE_SIZE, now=utcnow())

    @app.get("/cards/{card_id}", include_in_schema=False)
    def editor(request: Request, card_id: int) -> Response:
        view = _card(store, card_id)
        return pages.render(request, "editor.html", beside=store.rerun_beside(card_id),
                            **_editor_context(view, view.card, view.revision))

    @app.post("/cards/{card_id}", include_in_schema=False)
    async def save(request: Request, card_id: int) -> Response:
        """Save the editor's form as a new revision. Whatever goes wrong (an expired form, an invalid field, a
        revision saved meanwhile), the page comes back with everything the editor typed: nothing is lost."""
        view = await run_in_threadpool(_card, store, card_id)
        form = await posted_form(request)
        expected = revision_number(form.get("revision"))
        edited, problems = read_form(view.card, form)
        failed = await pages.csrf_failure(request, "editor.html", **_editor_context(view, edited, expected))
        if failed is not None:
            return failed
        # the numbers' flags as the paper's text has them, on the page shown again after a refusal too
        edited = await run_in_threadpool(_rechecked, cache_dir, view.card, edited)
        if problems:
            return pages.render(request, "editor.html", status=422, error="Not saved: " + "; ".join(problems) + ".",
                                **_editor_context(view, edited, expected))
        try:
            await run_in_threadpool(store.save_revision, view.arxiv_id, edited, user_name(request), expected,
                                    note=form.get("note") or None)
        except RevisionConflict:
            theirs = await run_in_threadpool(_card, store, card_id)
            changes = diff(card_data(theirs.card), card_data(edited))
            return pages.render(request, "editor.html", status=409, conflict=theirs, changes=changes,
                                **_editor_context(theirs, edited, theirs.revision))
        return RedirectResponse(f"/cards/{card_id}", status_code=303)

    @app.post("/cards/{card_id}/preview", include_in_schema=False)
    async def preview(request: Request, card_id: int) -> Response:
        """The entry as it will be published, from the editor's unsaved form (the live preview)."""
        view = await run_in_threadpool(_card, store, card_id)
        form = await posted_form(request)
        try:
            await auth.check_csrf(request)
        except CsrfProtectError:
            return _fragment("problem.html", 403, problem="This page has expired: reload it (save first).")
        card, problems = read_form(view.card, form)
        if problems:
            return _fragment("problem.html", 422, problem="Cannot be saved yet: " + "; ".join(problems) + ".")
        card = await run_in_threadpool(_rechecked, cache_dir, view.card, card)
        return _fragment("entry.html", 200, card=card)

    @app.post("/cards/{card_id}/review", include_in_schema=False)
    async def review(
        request: Request,
        card_id: int,
        decision: Annotated[ReviewState, Form()],
        revision: Annotated[int, Form()],
        comment: Annotated[str, Form(max_length=4000)] = "",
    ) -> Response:
        """Approve the revision on screen, or send it back with a comment."""
        view = await run_in_threadpool(_card, store, card_id)
        failed = await pages.csrf_failure(request, "editor.html", **_editor_context(view, view.card, revision))
        if failed is not None:
            return failed
        try:
            await run_in_threadpool(store.review, view.arxiv_id, decision, user_name(request), revision, comment or None)
        except RevisionConflict:
            return pages.render(request, "editor.html", status=409, error=(
                f"Someone saved revision {view.revision} since you opened this page: check it before you "
                f"{'approve it' if decision is ReviewState.APPROVED else 'send it back'}."),
                **_editor_context(view, view.card, view.revision))
        except BadInput as error:
            return pages.render(request, "editor.html", status=422, error=str(error),
                                **_editor_context(view, view.card, revision))
        return RedirectResponse(f"/cards/{card_id}", status_code=303)

    @app.get("/cards/{card_id}/history", include_in_schema=False)
    def history(request: Request, card_id: int, stale: bool = False) -> Response:
        """Every revision with its changes; `stale`: a restore was refused, another editor saved meanwhile."""
        view = _card(store, card_id)
        revisions = store.revisions(view.arxiv_id)
        entries = []
        previous: dict[str, Any] | None = None
        for revision in revisions:  # each against the one before it
            data = card_data(revision.card)
            entries.append((revision, diff(previous, data)))
            previous = data
        return pages.render(request, "history.html", view=view, entries=list(reversed(entries)), stale=stale)

    @app.post("/cards/{card_id}/restore", include_in_schema=False)
    async def restore(
        request: Request, card_id: int, number: Annotated[int, Form()], revision: Annotated[int, Form()]
    ) -> Response:
        """Make an older revision (or a model re-run kept aside) the current one, as a new revision."""
        view = await run_in_threadpool(_card, store, card_id)
        failed = await pages.csrf_failure(request, "editor.html", **_editor_context(view, view.card, revision))
        if failed is not None:
            return failed
        old = next((r for r in await run_in_threadpool(store.revisions, view.arxiv_id) if r.number == number), None)
        if old is None:
            raise HTTPException(404, f"card {view.arxiv_id} has no revision {number}")
        try:
            await run_in_threadpool(store.save_revision, view.arxiv_id, old.card, user_name(request), revision,
                                    note=f"restored revision {number}")
        except RevisionConflict:
            return RedirectResponse(f"/cards/{card_id}/history?stale=1", status_code=303)
        return RedirectResponse(f"/cards/{card_id}", status_code=303)

    @app.get("/cards/{card_id}/pdf", include_in_schema=False)
    def paper_pdf(card_id: int) -> Response:
        """The paper's PDF from the cache the pipeline filled (never fetched from here); #page=N opens a page."""
        view = _card(store, card_id)
        path = cached_pdf(cache_dir, view.arxiv_id, view.card.version)
        if path is None:
            raise HTTPException(404, f"the PDF of {view.arxiv_id} is not in this server's cache")
        return FileResponse(path, media_type="application/pdf", content_disposition_type="inline",
                            headers={"Cache-Control": "private, max-age=3600"})


    @app.get("/stats", include_in_schema=False)
    def stats(request: Request) -> Response:
        """How often editors change each field of the model's drafts, by week."""
        return pages.render(request, "stats.html", periods=edit_rates(store.corrections()), fields=EDITED_FIELDS)

    return pages


def _fragment(template: str, status: int, **context: Any) -> HTMLResponse:
    """A piece of a page (the preview), escaped like the pages and under their policy."""
    return HTMLResponse(_templates.get_template(template).render(**context), status_code=status,
                        headers={"Content-Security-Policy": PAGE_POLICY, "Cache-Control": "no-store"})


def _card(store: Store, card_id: int) -> CardView:
    view = store.find_card(card_id)
    if view is None:
        raise HTTPException(404, f"no card {card_id}")
    return view


def user_name(request: Request) -> str:
    user: UserView = request.state.user
    return user.name


def revision_number(text: str | None) -> int:
    try:
        return int(text or "")
    except ValueError:
        raise HTTPException(422, "the form lost its revision number: reload the page") from None


async def posted_form(request: Request) -> dict[str, str]:
    """The posted form's text fields (the last value of a repeated name)."""
    form = await request.form(max_fields=20_000)
    return {key: value for key, value in form.items() if isinstance(value, str)}


def _editor_context(view: CardView, card: Card, revision: int) -> dict[str, Any]:
    """What editor.html shows: the card (saved or as edited), the revision it is based on, its evidence, what
    the last check said of each key number, and the form's fields in the groups it shows them."""
    flagged = {(f.field, f.number) for f in card.grounding.flagged}
    return {
        "view": view, "card": card, "revision": revision, "flagged": flagged, "flags": regrounding.other_flags(card),
        "flagged_fields": {field for field, _number in flagged}, "number_state": partial(regrounding.state, card),
        "evidence": {e.field: e for e in card.evidence}, **form_layout(card),
    }


def _rechecked(cache_dir: Path, base: Card, edited: Card) -> Card:
    """The editor's card over `base` with the key numbers they changed checked against the paper's cached text
    (read only when one needs a check)."""
    return regrounding.recheck(base, edited, partial(regrounding.paper_pages, cache_dir, base))


class Pages:
    """Renders a page with the signed-in user and a fresh CSRF token, under the pages' security policy."""

    def __init__(self, auth: Auth) -> None:
        self.auth = auth

    def render(self, request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        user: UserView | None = getattr(request.state, "user", None)
        token, cookie = self.auth.csrf_token(request)
        body = _templates.get_template(template).render({"user": user, CSRF_FIELD: token, **context})
        # no-store: pages hold drafts and tokens, never cache them
        response = HTMLResponse(body, status_code=status,
                                headers={"Content-Security-Policy": PAGE_POLICY, "Cache-Control": "no-store"})
        if cookie is not None:
            self.auth.set_csrf_cookie(request, cookie, response)
        return response

    async def csrf_failure(self, request: Request, template: str, **context: Any) -> Response | None:
        """None when the form's CSRF token is good, else the page again with a 403 and what to do."""
        try:
            await self.auth.check_csrf(request)
        except CsrfProtectError:
            return self.render(request, template, status=403, error=(
                "This form has expired or came from another site. Reload the page and try again."), **context)
        return None


