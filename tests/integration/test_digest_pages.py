"""The digest in the workspace and in public: reorder, swap, edit, refresh, approve; published files and feed.
A real store (a SQLite file, or a PostgreSQL schema of its own, per test) and the real app through
Starlette's TestClient."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from summarizer.digest import compose
from summarizer.jobs import ReviewState
from summarizer.service.accounts import Role, hash_password
from summarizer.service.store import PIPELINE_AUTHOR, Store
from summarizer.settings import Settings, load
from tests.integration.test_auth import PASSWORD, app_client, form_token, sign_in
from tests.integration.test_review import add_draft, draft

pytestmark = pytest.mark.integration
DAY = "2031-03-04"
HOSTILE = "Fast <img src=x onerror=alert(1)>"


@pytest.fixture()
def world(database_url: str, tmp_path: Path) -> Iterator[tuple[Settings, Store]]:
    """Three drafted cards (revision 1, none approved) in the entries of a digest drafted from them."""
    url = database_url
    settings = load(env={}, database_url=url, data_dir=tmp_path / "data",
                    digest={"public_url": "https://digest.example.org/published/"})
    with Store(url) as store:
        store.add_user("ed", hash_password(PASSWORD), Role.EDITOR)
        cards = [draft(arxiv_id=f"3103.0000{i}", title=f"Paper{i}: a title", headline=f"Headline {i}")
                 for i in range(1, 5)]
        cards[0] = cards[0].model_copy(update={"headline": HOSTILE})
        for card in cards:
            add_draft(store, card.arxiv_id or "", card)
        entries = [compose.entry(c, revision=1, reason="on topic") for c in cards[:3]]
        digest = compose.Digest(
            date=DAY, title="Three diffusion papers worth reading today (March 4, 2031)", dek=f"The dek: {HOSTILE}.",
            intro="The intro.", entries=entries, closing="The closing.",
            quick_reference=[compose.quick_reference(e, c) for e, c in zip(entries, cards, strict=False)],
            mentions=[compose.Mention(arxiv_id="3103.00009", title="A mention", note="Worth a look.")],
            candidates=[compose.RankedCandidate(arxiv_id=a, title=f"Candidate {a}", score=0.5, reason="ranked next")
                        for a in ("3103.00004", "3103.00005")],
        )
        store.open_digest(DAY, {"picks": [e.arxiv_id for e in entries]})
        store.save_digest(DAY, digest.model_dump(mode="json"), PIPELINE_AUTHOR, 0)
        yield settings, store


def editor_form(page: Any, **changes: str) -> dict[str, str]:
    """The editor's form as posted from this page (of revision 1): the papers it shows, with these changes."""
    shown = dict(re.findall(r'name="((?:entry|mention)-\d+-id)" value="([^"]+)"', page.text))
    return {"csrf_token": form_token(page), "revision": "1", **shown, **changes}


def test_editors_reorder_swap_edit_and_remove_and_every_save_is_a_revision(world: tuple[Settings, Store]) -> None:
    settings, store = world
    with app_client(settings, store) as client:
        sign_in(client, next_page="/digests")
        listing = client.get("/digests")
        assert listing.status_code == 200 and f"/digests/{DAY}" in listing.text
        page = client.get(f"/digests/{DAY}")
        assert page.status_code == 200
        assert "&lt;img src=x onerror=alert(1)&gt;" in page.text and "<img src=x" not in page.text
        assert "Queue its card" in page.text  # 3103.00005 has no card yet

        saved = client.post(f"/digests/{DAY}", data=editor_form(
            page, intro="A sharper intro.", **{"entry-2-order": "0.5", "entry-1-swap": "3103.00004",
                                                     "mention-0-remove": "1", "entry-0-why": "Read it."}))
        assert saved.status_code == 303, saved.text

    view = store.get_digest(DAY)
    assert view is not None and view.digest is not None and view.revision == 2 and view.author == "ed"
    digest = view.digest
    assert [e.arxiv_id for e in digest.entries] == ["3103.00003", "3103.00001", "3103.00004"]
    assert digest.intro == "A sharper intro." and digest.mentions == []
    assert digest.entries[1].why == "Read it."
    assert [r.arxiv_id for r in digest.quick_reference] == ["3103.00003", "3103.00001", "3103.00004"]


def test_a_refused_save_keeps_what_was_typed_and_stores_nothing(world: tuple[Settings, Store]) -> None:
    settings, store = world
    with app_client(settings, store) as client:
        sign_in(client, next_page=f"/digests/{DAY}")
        page = client.get(f"/digests/{DAY}")
        no_card = client.post(f"/digests/{DAY}", data=editor_form(
            page, intro="My careful intro.", **{"entry-1-swap": "3103.00005"}))
        assert no_card.status_code == 422 and "3103.00005 has no card yet" in no_card.text
        assert "My careful intro." in no_card.text
        forged = client.post(f"/digests/{DAY}", data={**editor_form(page, intro="Mine."), "csrf_token": "x"})
        assert forged.status_code == 403 and "Mine." in forged.text
        client.post(f"/digests/{DAY}", data=editor_form(page, intro="First save."))
        stale = client.post(f"/digests/{DAY}", data=editor_form(page, intro="Second, from revision 1."))
        assert stale.status_code == 409 and "Second, from revision 1." in stale.text

        queued = client.post(f"/digests/{DAY}/queue", data={"csrf_token": form_token(page),
                                                            "arxiv_id": "3103.00005"})
        assert queued.status_code == 303
    view = store.get_digest(DAY)
    assert view is not None and view.revision == 2 and view.digest is not None
    assert view.digest.intro == "First save."
    assert any(job.arxiv_id == "3103.00005" for job in store.list_jobs())


def test_approving_publishes_files_pages_and_a_feed_and_drafts_stay_private(world: tuple[Settings, Store]) -> None:
    settings, store = world
    for number in (1, 2, 3):  # the entries' cards, approved as drafted
        store.review(f"3103.0000{number}", ReviewState.APPROVED, "ed", 1)
    with app_client(settings, store) as anonymous:
        assert anonymous.get(f"/published/{DAY}.html").status_code == 404  # a draft is not published
        assert anonymous.get(f"/digests/{DAY}").status_code == 303  # and the workspace needs sign-in
    with app_client(settings, store) as client:
        sign_in(client, next_page=f"/digests/{DAY}")
        page = client.get(f"/digests/{DAY}")
        approved = client.post(f"/digests/{DAY}/review", data={
            "csrf_token": form_token(page), "revision": "1", "decision": "approved"})
        assert approved.status_code == 303
        page = client.get(f"/digests/{DAY}")
        client.post(f"/digests/{DAY}", data=editor_form(page, intro="An unpublished edit."))

    published = settings.published_dir
    assert sorted(p.name for p in published.iterdir()) == [f"{DAY}.html", f"{DAY}.md", "feed.xml", "index.html"]
    assert "# Three diffusion papers worth reading today (March 4, 2031)" in (published / f"{DAY}.md").read_text()
    with app_client(settings, store) as anonymous:
        html = anonymous.get(f"/published/{DAY}.html")
        assert html.status_code == 200 and "The intro." in html.text and "An unpublished edit." not in html.text
        assert "<img src=x" not in html.text and "&lt;img src=x onerror=alert(1)&gt;" in html.text
        assert "script-src 'self'" in html.headers["content-security-policy"]
        markdown = anonymous.get(f"/published/{DAY}.md")
        assert markdown.status_code == 200 and markdown.headers["content-type"].startswith("text/markdown")
        feed = anonymous.get("/published/feed.xml")
        assert feed.status_code == 200
        assert f"<link>https://digest.example.org/published/{DAY}.html</link>" in feed.text
        assert "<title>Three diffusion papers worth reading today (March 4, 2031)</title>" in feed.text
        # readers decode a description and render it as HTML: the hostile dek is escaped twice
        assert "The dek: Fast &amp;lt;img src=x onerror=alert(1)&amp;gt;." in feed.text
        assert anonymous.post(f"/published/{DAY}.html").status_code in (303, 405)  # read-only



def hidden_fields(page: Any, action: str, **carrying: str) -> dict[str, str]:
    """What the page's (first) form posting to `action` and carrying these values sends: its hidden fields."""
    for body in re.findall(rf'<form[^>]* action="{re.escape(action)}"[^>]*>(.*?)</form>', page.text, re.DOTALL):
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', body))
        if all(fields.get(name) == value for name, value in carrying.items()):
            return fields
    raise AssertionError(f"no form posting to {action} with {carrying}")


def approve_digest(client: Any, page: Any) -> Any:
    """Press the page's "Approve and publish" button."""
    return client.post(f"/digests/{DAY}/review",
                       data={**hidden_fields(page, f"/digests/{DAY}/review"), "decision": "approved"})


def test_a_digest_is_published_only_once_every_entry_prints_its_cards_approved_revision(
        world: tuple[Settings, Store]) -> None:
    settings, store = world
    cards = {a: store.get_card(a) for a in ("3103.00001", "3103.00002", "3103.00003")}
    with app_client(settings, store) as client:
        sign_in(client, next_page=f"/digests/{DAY}")
        page = client.get(f"/digests/{DAY}")
        refused = approve_digest(client, page)

        # the nightly draft printed three unapproved cards: refused, each listed with a link to its card
        assert refused.status_code == 422
        assert "cannot be approved until every entry prints its card&#39;s approved revision" in refused.text
        for arxiv_id, card in cards.items():
            assert card is not None
            assert f'<a href="/cards/{card.id}">{arxiv_id}' in refused.text
            assert f"the card of {arxiv_id}" in refused.text
        with app_client(settings, store) as anonymous:
            assert anonymous.get(f"/published/{DAY}.html").status_code == 404
        assert not settings.published_dir.exists() or not any(settings.published_dir.iterdir())

        assert "3 entries not yet from an approved card" in client.get("/digests").text
        # an editor's own edit of the first entry, saved as digest revision 2
        saved = client.post(f"/digests/{DAY}", data=editor_form(page, **{"entry-0-why": "Read it for the schedule."}))
        assert saved.status_code == 303
        # the second paper's card is corrected (revision 2) and approved in the card editor; the others as drafted
        second = cards["3103.00002"]
        assert second is not None
        store.save_revision("3103.00002", second.card.model_copy(update={"core_problem": "The corrected problem."}),
                            "ann", expected_revision=1)
        card_page = client.get(f"/cards/{second.id}")
        approved = client.post(f"/cards/{second.id}/review", data={
            "csrf_token": form_token(card_page), "revision": "2", "decision": "approved"})
        assert approved.status_code == 303, approved.text
        for arxiv_id in ("3103.00001", "3103.00003"):
            store.review(arxiv_id, ReviewState.APPROVED, "ed", 1)

        page = client.get(f"/digests/{DAY}")
        assert "The card's approved revision is 2; this entry was drafted from revision 1." in page.text
        assert page.text.count("Refresh this entry from the approved card") == 1
        assert '<button type="submit" form="refresh-1">' in page.text and '<form id="refresh-1"' in page.text
        refresh = hidden_fields(page, f"/digests/{DAY}/refresh", arxiv_id="3103.00002")
        assert refresh["revision"] == "2" and refresh["csrf_token"]
        assert "The corrected problem." not in page.text  # the entry still prints what it was drafted from
        still = approve_digest(client, page)
        assert still.status_code == 422
        assert "prints revision 1 of its card, not the approved revision 2: refresh it" in still.text
        assert "the card of 3103.00001" not in still.text  # approved as drafted: nothing to do

        forged = client.post(f"/digests/{DAY}/refresh", data={**refresh, "csrf_token": "x"})
        assert forged.status_code == 403
        refreshed = client.post(f"/digests/{DAY}/refresh", data=refresh)
        assert refreshed.status_code == 303, refreshed.text

        view = store.get_digest(DAY)
        assert view is not None and view.digest is not None and view.revision == 3
        assert [e.arxiv_id for e in view.digest.entries] == ["3103.00001", "3103.00002", "3103.00003"]
        first, refreshed_entry, _ = view.digest.entries
        assert refreshed_entry.problem == "The corrected problem."
        assert refreshed_entry.card_revision == 2 and refreshed_entry.reason == "on topic"
        assert first.why == "Read it for the schedule."  # the editor's edit of another entry is kept

        page = client.get(f"/digests/{DAY}")
        assert "Refresh this entry" not in page.text and "Not ready to publish" not in page.text
        assert approve_digest(client, page).status_code == 303
        assert "not yet from an approved card" not in client.get("/digests").text

    with app_client(settings, store) as anonymous:
        html = anonymous.get(f"/published/{DAY}.html")
        assert html.status_code == 200
        assert "The corrected problem." in html.text and "Read it for the schedule." in html.text
    assert "The corrected problem." in (settings.published_dir / f"{DAY}.md").read_text()
