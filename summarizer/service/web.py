"""The editor workspace's pages (server-rendered, autoescaped Jinja2): sign in, sign out, the job list.

Everything shown comes from paper text, model output or editors, so templates escape all of it; pages run
no inline script (the Content-Security-Policy forbids it) and every form carries a CSRF token.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi_csrf_protect.exceptions import CsrfProtectError
from jinja2 import Environment, FileSystemLoader
from starlette.concurrency import run_in_threadpool

from summarizer.errors import JobNotFound, JobNotRetryable
from summarizer.jobs import JobState
from summarizer.service.auth import CSRF_FIELD, Auth, TooManyAttempts, safe_next
from summarizer.service.intake import Intake
from summarizer.service.store import Store, UserView

__all__ = ["PAGE_SIZE", "add_pages"]

PACKAGE = Path(__file__).resolve().parent.parent
PAGE_SIZE = 50
# pages: own scripts, styles and images only; no inline script, no framing, forms post back here only
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_templates = Environment(loader=FileSystemLoader(PACKAGE / "templates" / "web"), autoescape=True)


def add_pages(app: FastAPI, auth: Auth, store: Store, intake: Intake) -> None:
    """Register the workspace's pages and its static files on `app`."""
    app.mount("/static", StaticFiles(directory=PACKAGE / "static"), name="static")

    pages = _Pages(auth)

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
        await run_in_threadpool(auth.start_session, user, redirect)
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
    def home(
        request: Request,
        state: JobState | None = None,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> Response:
        jobs = store.list_jobs(state, PAGE_SIZE, offset)
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return pages.render(request, "home.html", here=here, jobs=jobs, state=state.value if state else None,
                            states=[s.value for s in JobState], offset=offset, limit=PAGE_SIZE)


class _Pages:
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
            self.auth.csrf().set_csrf_cookie(cookie, response)
        return response

    async def csrf_failure(self, request: Request, template: str, **context: Any) -> Response | None:
        """None when the form's CSRF token is good, else the page again with a 403 and what to do."""
        try:
            await self.auth.check_csrf(request)
        except CsrfProtectError:
            return self.render(request, template, status=403, error=(
                "This form has expired or came from another site. Reload the page and try again."), **context)
        return None


