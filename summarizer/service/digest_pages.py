"""The digest in the workspace (list, editor, review) and, once approved, in public (/published/).

Editors reorder entries, swap one for a ranked candidate that has a card (or queue a candidate first),
edit every text, remove entries and mentions, refresh an entry from its card's approved revision, and
approve or send the digest back. Approving needs every entry to print its card's approved revision (the
editor lists those that do not, with links to their cards); it writes the published files
(summarizer.service.publishing) and makes the digest appear at /published/<day>.html, /published/<day>.md
and in /published/feed.xml, the only pages open to anyone.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import FastAPI, Form, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from summarizer.digest import compose
from summarizer.errors import BadInput, RevisionConflict
from summarizer.jobs import ReviewState
from summarizer.service import publishing
from summarizer.service.editing import DIGEST_TEXTS, ENTRY_TEXTS, read_digest_form
from summarizer.service.intake import Intake
from summarizer.service.store import DigestView, Store
from summarizer.service.web import PAGE_POLICY, Pages, posted_form, revision_number, user_name
from summarizer.settings import Settings

__all__ = ["DAY", "add_digest_pages"]

logger = logging.getLogger(__name__)

DAY = r"^\d{4}-\d{2}-\d{2}$"
Day = Annotated[str, Path(pattern=DAY)]


def add_digest_pages(app: FastAPI, pages: Pages, store: Store, intake: Intake, settings: Settings) -> None:
    """Register the digest's workspace pages and its public pages on `app`."""
    topic = settings.digest.topic

    def entry_for(arxiv_id: str) -> tuple[compose.Entry, compose.QuickReference] | None:
        """A paper's entry from its card's approved revision, else its current one (approval waits for that)."""
        found = store.digest_source(arxiv_id)
        if found is None:
            return None
        card, revision = found
        made = compose.entry(card, revision=revision, reason="swapped in by an editor")
        return made, compose.quick_reference(made, card)

    def context(view: DigestView, digest: compose.Digest, revision: int) -> dict[str, Any]:
        shown = {e.arxiv_id for e in digest.entries}
        candidates = [(c, store.get_card(c.arxiv_id) is not None) for c in digest.candidates if c.arxiv_id not in shown]
        sources = store.entry_sources(digest.entries)
        return {"view": view, "digest": digest, "revision": revision, "digest_texts": DIGEST_TEXTS,
                "entry_texts": ENTRY_TEXTS, "candidates": candidates,
                "sources": {s.arxiv_id: s for s in sources}, "waiting": [s for s in sources if not s.publishable],
                # rendered by the publishing templates, which escape everything: safe to embed as it is
                "preview": Markup(publishing.body(digest))}

    def drafted(day: str) -> DigestView:
        view = store.get_digest(day)
        if view is None:
            raise HTTPException(404, f"no digest for {day}")
        if view.digest is None:
            raise HTTPException(409, f"the digest of {day} is still being drafted: its picks are on the queue")
        return view

    @app.get("/digests", include_in_schema=False)
    def digests(request: Request) -> Response:
        views = store.digests()
        waiting = {v.day: sum(not s.publishable for s in store.entry_sources(v.digest.entries))
                   for v in views if v.digest is not None}
        return pages.render(request, "digests.html", digests=views, waiting=waiting)

    @app.get("/digests/{day}", include_in_schema=False)
    def editor(request: Request, day: Day) -> Response:
        view = drafted(day)
        assert view.digest is not None
        return pages.render(request, "digest_editor.html", **context(view, view.digest, view.revision))

    @app.post("/digests/{day}", include_in_schema=False)
    async def save(request: Request, day: Day) -> Response:
        """Save the form as a new revision; a refused save shows the page again with everything typed."""
        view = await run_in_threadpool(drafted, day)
        assert view.digest is not None
        form = await posted_form(request)
        expected = revision_number(form.get("revision"))
        edited, problems = await run_in_threadpool(read_digest_form, view.digest, form, entry_for)
        failed = await pages.csrf_failure(request, "digest_editor.html", **context(view, edited, expected))
        if failed is not None:
            return failed
        if problems:
            return pages.render(request, "digest_editor.html", status=422,
                                error="Not saved: " + "; ".join(problems) + ".", **context(view, edited, expected))
        try:
            await run_in_threadpool(store.save_digest, day, edited.model_dump(mode="json"), user_name(request),
                                    expected, note=form.get("note") or None)
        except RevisionConflict:
            theirs = await run_in_threadpool(drafted, day)
            assert theirs.digest is not None
            return pages.render(request, "digest_editor.html", status=409, error=(
                f"{theirs.author} saved revision {theirs.revision} since you opened this page; your version is "
                "below, theirs is in the preview. Save again to put yours over theirs."),
                **context(theirs, edited, theirs.revision))
        return RedirectResponse(f"/digests/{day}", status_code=303)

    @app.post("/digests/{day}/queue", include_in_schema=False)
    async def queue(request: Request, day: Day, arxiv_id: Annotated[str, Form(max_length=64)]) -> Response:
        """Queue a candidate's card, so that it can be swapped in once it is ready."""
        view = await run_in_threadpool(drafted, day)
        assert view.digest is not None
        failed = await pages.csrf_failure(request, "digest_editor.html", **context(view, view.digest, view.revision))
        if failed is not None:
            return failed
        if arxiv_id not in {c.arxiv_id for c in view.digest.candidates}:
            raise HTTPException(422, f"{arxiv_id} is not a candidate of this digest")
        await run_in_threadpool(intake.submit, [arxiv_id])
        return RedirectResponse(f"/digests/{day}", status_code=303)

    @app.post("/digests/{day}/refresh", include_in_schema=False)
    async def refresh(request: Request, day: Day, arxiv_id: Annotated[str, Form(max_length=64)],
                      revision: Annotated[int, Form()]) -> Response:
        """Make one entry again from its card's approved revision, as a new revision of the digest."""
        view = await run_in_threadpool(drafted, day)
        assert view.digest is not None
        failed = await pages.csrf_failure(request, "digest_editor.html", **context(view, view.digest, revision))
        if failed is not None:
            return failed
        if arxiv_id not in {e.arxiv_id for e in view.digest.entries}:
            raise HTTPException(422, f"{arxiv_id} is not an entry of this digest")
        approved = await run_in_threadpool(store.approved_card, arxiv_id)
        if approved is None:
            return pages.render(request, "digest_editor.html", status=422, error=(
                f"Not refreshed: the card of {arxiv_id} has no approved revision yet; approve it first."),
                **context(view, view.digest, view.revision))
        refreshed = compose.refresh_entry(view.digest, arxiv_id, approved.card, approved.number)
        try:
            await run_in_threadpool(store.save_digest, day, refreshed.model_dump(mode="json"), user_name(request),
                                    revision, note=f"{arxiv_id} refreshed from its card's approved revision "
                                                   f"{approved.number}")
        except RevisionConflict:
            theirs = await run_in_threadpool(drafted, day)
            assert theirs.digest is not None
            return pages.render(request, "digest_editor.html", status=409, error=(
                f"{theirs.author} saved revision {theirs.revision} since you opened this page: nothing was "
                "refreshed; check their version and refresh again."), **context(theirs, theirs.digest, theirs.revision))
        return RedirectResponse(f"/digests/{day}", status_code=303)

    @app.post("/digests/{day}/review", include_in_schema=False)
    async def review(
        request: Request, day: Day, decision: Annotated[ReviewState, Form()], revision: Annotated[int, Form()],
        comment: Annotated[str, Form(max_length=4000)] = "",
    ) -> Response:
        """Approve the revision on screen (it is published) or send it back with a comment."""
        view = await run_in_threadpool(drafted, day)
        assert view.digest is not None
        failed = await pages.csrf_failure(request, "digest_editor.html", **context(view, view.digest, revision))
        if failed is not None:
            return failed
        try:
            await run_in_threadpool(store.review_digest, day, decision, user_name(request), revision, comment or None)
        except RevisionConflict:
            return pages.render(request, "digest_editor.html", status=409, error=(
                f"Someone saved revision {view.revision} since you opened this page: check it first."),
                **context(view, view.digest, view.revision))
        except BadInput as error:
            return pages.render(request, "digest_editor.html", status=422, error=str(error),
                                **context(view, view.digest, revision))
        if decision is ReviewState.APPROVED:
            try:
                await run_in_threadpool(publish)
            except OSError as error:  # approved and served at /published/; only the files are missing
                logger.error("could not write the published files to %s: %s", settings.published_dir, error)
                approved = await run_in_threadpool(drafted, day)
                assert approved.digest is not None
                return pages.render(request, "digest_editor.html", status=500, error=(
                    f"Approved and published at /published/{day}.html, but the files could not be written to "
                    f"{settings.published_dir}: {error}"), **context(approved, approved.digest, approved.revision))
        return RedirectResponse(f"/digests/{day}", status_code=303)

    def publish() -> None:
        publishing.write_files(settings.published_dir, store.published_digests(), topic, settings.digest.public_url)

    # --- public: approved revisions only -------------------------------------------------------------------

    def published(day: str) -> compose.Digest:
        found = store.published_digest(day)
        if found is None:
            raise HTTPException(404, f"no digest published for {day}")
        return found.digest

    @app.get("/published/", include_in_schema=False)
    def public_index() -> Response:
        return _public(publishing.index(store.published_digests(), topic), "text/html")

    @app.get("/published/feed.xml", include_in_schema=False)
    def public_feed() -> Response:
        return _public(publishing.feed(store.published_digests(), topic, settings.digest.public_url),
                       "application/rss+xml")

    @app.get("/published/{day}.html", include_in_schema=False)
    def public_html(day: Day) -> Response:
        return _public(publishing.html(published(day), topic), "text/html")

    @app.get("/published/{day}.md", include_in_schema=False)
    def public_markdown(day: Day) -> Response:
        return _public(compose.markdown(published(day)), "text/markdown")


def _public(text: str, media_type: str) -> Response:
    # the published page carries its own small stylesheet inline: styles only, never a script
    policy = PAGE_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
    return HTMLResponse(text, media_type=f"{media_type}; charset=utf-8", headers={
        "Content-Security-Policy": policy, "Cache-Control": "public, max-age=300"})
