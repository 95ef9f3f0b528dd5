"""Review in the store and on the pages: approved cards exported as references, the edit rates, and a
refused save that loses nothing. A real store (the `database_url` fixture: a SQLite file and a PostgreSQL
schema per test), the real app through Starlette's TestClient, and the `summarizer eval export` CLI as a
subprocess. The browser tests are in tests/browser.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from summarizer.card import Card, FlaggedNumber, Grounding, KeyNumber, Provenance, ResultsTable
from summarizer.document import Document, Page
from summarizer.files import document_path
from summarizer.jobs import ReviewState, Stage
from summarizer.service.accounts import Role, hash_password
from summarizer.service.stats import edit_rates
from summarizer.service.store import Store
from summarizer.settings import load
from tests.integration.test_auth import PASSWORD, app_client, form_token, sign_in

ROOT = Path(__file__).resolve().parents[2]


def draft(**changes: object) -> Card:
    return Card.model_validate({
        "arxiv_id": "2511.00001", "version": "v2", "title": "A Title", "core_problem": "p", "method": "m",
        "results_tables": [ResultsTable(caption="c", columns=["a", "b"], rows=[["x", "1.0"]], page=3)],
        "key_numbers": [KeyNumber(metric="score", value="1.0", page=3, section="table"),
                        KeyNumber(metric="year", value="2025", section="metadata")],
        "code_urls": ["https://example.org/code"], "provenance": Provenance(pdf_sha256="ab" * 32), **changes,
    })


def add_draft(store: Store, arxiv_id: str, card: Card) -> None:
    job, _ = store.submit(arxiv_id, None, "test")
    store.start_stage(job.id, Stage.STORE, chain="c", max_crashes=3)
    store.store_card(job.id, card)


def rerun(store: Store, arxiv_id: str, card: Card) -> None:
    """A forced re-run of the paper's done job storing `card` (what an admin's force=True leads to)."""
    job, requeued = store.submit(arxiv_id, None, "test", force=True)
    assert requeued
    store.start_stage(job.id, Stage.STORE, chain=secrets.token_hex(4), max_crashes=3)
    store.store_card(job.id, card)


class CardForm(HTMLParser):
    """What a browser posts from the editor's card form as the page shows it: nothing typed, nothing ticked."""

    def __init__(self, page: Any) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._inside = False
        self._text: tuple[str, str] | None = None  # the textarea or the selected option being read
        self._select = ""
        self.feed(page.text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        self._inside = self._inside or (tag == "form" and attributes.get("id") == "card-form")
        if not self._inside:
            return
        name = attributes.get("name", "")
        if tag == "input" and name and (attributes.get("type") != "checkbox" or "checked" in attributes):
            self.fields[name] = attributes.get("value", "")
        elif tag == "textarea":
            self._text = (name, "")
        elif tag == "select":
            self._select = name
        elif tag == "option" and ("selected" in attributes or self._select not in self.fields):
            self._text = (self._select, "")

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text = (self._text[0], self._text[1] + data)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("textarea", "option") and self._text is not None:
            self.fields[self._text[0]] = self._text[1].removeprefix("\n")  # as a browser reads a textarea
            self._text = None
        self._inside = self._inside and tag != "form"


def test_edit_rates_count_per_field_how_often_editors_changed_the_models_draft(database_url: str) -> None:
    with Store(database_url) as store:
        add_draft(store, "2511.00001", draft())
        add_draft(store, "2511.00002", draft(arxiv_id="2511.00002"))
        add_draft(store, "2511.00003", draft(arxiv_id="2511.00003"))  # never reviewed: not counted
        store.save_revision("2511.00001", draft(method="fixed"), "ed", expected_revision=1)
        store.review("2511.00001", ReviewState.APPROVED, "ed", expected_revision=2)
        store.review("2511.00002", ReviewState.APPROVED, "ed", expected_revision=1)  # approved as drafted
        corrections = store.corrections()
    assert len(corrections) == 2
    *weeks, overall = edit_rates(corrections)
    assert overall.period == "all" and overall.cards == 2
    assert overall.rates["method"] == 0.5 and overall.rates["title"] == 0.0 and overall.rates["key_numbers"] == 0.0
    assert [week.cards for week in weeks] == [2]
    (when, draft_1, edited_1), second = corrections
    split = edit_rates([(when - timedelta(days=7), draft_1, edited_1), second])
    this_week, last_week = (f"{y}-W{w:02d}" for y, w, _ in (when.isocalendar(), (when - timedelta(days=7)).isocalendar()))
    assert [(r.period, r.cards) for r in split] == [(this_week, 1), (last_week, 1), ("all", 2)]
    assert split[1].rates["method"] == 1.0 and split[0].rates["method"] == 0.0  # 00001 was edited, last week
    assert edit_rates([]) == []


def test_approved_cards_are_exported_as_reference_cards(database_url: str, tmp_path: Path) -> None:
    with Store(database_url) as store:
        add_draft(store, "2511.00001", draft())
        add_draft(store, "2511.00002", draft(arxiv_id="2511.00002"))  # a draft: not a reference
        store.save_revision("2511.00001", draft(verdict="worth it"), "ed", expected_revision=1)
        store.review("2511.00001", ReviewState.APPROVED, "ed", expected_revision=2)
        store.save_revision("2511.00001", draft(verdict="unpublished edit"), "ed", expected_revision=2)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("SUMMARIZER_")},
           "SUMMARIZER_DATABASE_URL": database_url, "SUMMARIZER_DATA_DIR": str(tmp_path / "data")}
    out = tmp_path / "refs"

    def export(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "summarizer.cli", "eval", "export", *args], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=120, check=False)

    refused = export(str(out))
    assert refused.returncode == 2 and "--approved" in refused.stderr and not out.exists()
    done = export(str(out), "--approved")
    assert done.returncode == 0, done.stderr
    assert "1 approved card(s)" in done.stderr
    [path] = sorted(out.iterdir())
    reference = json.loads(path.read_text("utf-8"))
    assert path.name == "2511.00001.json"
    assert (reference["source_pdf"], reference["sha256"]) == ("2511.00001v2.pdf", "ab" * 32)
    assert reference["verdict"] == "worth it"  # the approved revision, not the later edit
    assert reference["key_numbers"] == [{"metric": "score", "setting": None, "value": "1.0", "baseline": None,
                                         "context": None, "section": "table", "page": 3}]
    assert reference["results_tables"] == [{"caption": "c", "columns": ["a", "b"], "rows": [["x", "1.0"]]}]
    assert reference["code_url"] == "https://example.org/code"


def test_a_refused_save_shows_the_form_again_with_everything_typed_and_stores_nothing(
        database_url: str, tmp_path: Path) -> None:
    settings = load(env={}, database_url=database_url, data_dir=tmp_path / "data")
    with Store(database_url) as store:
        store.add_user("ed", hash_password(PASSWORD), Role.EDITOR)
        add_draft(store, "2511.00001", draft())
        view = store.get_card("2511.00001")
        assert view is not None
        with app_client(settings, store) as client:
            sign_in(client, next_page=f"/cards/{view.id}")
            page = client.get(f"/cards/{view.id}")
            typed = {"csrf_token": form_token(page), "revision": "1", "title": "", "verdict": "my careful verdict",
                     "kn-count": "1", "kn-0-from": view.card.key_numbers[0].model_dump_json(), "kn-0-metric": "score", "kn-0-value": "1.0",
                     "kn-0-page": "three"}
            refused = client.post(f"/cards/{view.id}", data=typed)
            assert refused.status_code == 422
            assert "title cannot be empty" in refused.text and "page and order are numbers" in refused.text
            assert "my careful verdict" in refused.text  # nothing typed is lost
            expired = client.post(f"/cards/{view.id}", data={**typed, "csrf_token": "forged", "title": "T2"})
            assert expired.status_code == 403 and "my careful verdict" in expired.text
            assert len(store.revisions("2511.00001")) == 1
            assert client.get(f"/cards/{view.id}/pdf").status_code == 404  # not cached here: never fetched
            assert client.get("/cards/999").status_code == 404


def test_the_editor_tells_of_a_model_re_run_kept_beside_the_editors_revision_until_it_is_restored(
        database_url: str, tmp_path: Path) -> None:
    settings = load(env={}, database_url=database_url, data_dir=tmp_path / "data")
    banner = "is kept beside your revision"
    with Store(database_url) as store:
        store.add_user("ed", hash_password(PASSWORD), Role.EDITOR)
        add_draft(store, "2511.00001", draft())
        view = store.get_card("2511.00001")
        assert view is not None
        with app_client(settings, store) as client:
            sign_in(client)
            editor = f"/cards/{view.id}"
            # nobody edited the model's draft: a re-run replaces it, and there is nothing to tell
            rerun(store, "2511.00001", draft(method="first re-run"))
            page = client.get(editor)
            assert page.status_code == 200 and "first re-run" in page.text and banner not in page.text
            store.save_revision("2511.00001", draft(method="an edited method"), "ed", expected_revision=2)
            assert banner not in client.get(editor).text
            # a re-run of the card an editor revised is kept aside: the editor sees their text, and the banner
            rerun(store, "2511.00001", draft(method="second re-run"))
            kept = store.revisions("2511.00001")[-1]
            assert kept.number == 4
            page = client.get(editor)
            assert "an edited method" in page.text and "second re-run" not in page.text
            when = kept.created_at.strftime("%Y-%m-%d %H:%M UTC")
            assert f"A model re-run of {when} {banner}" in page.text
            assert f'href="/cards/{view.id}/history#r4"' in page.text
            history = client.get(f"/cards/{view.id}/history")
            assert 'id="r4"' in history.text and 'name="number" value="4"' in history.text
            # restored from the history: it is the current revision now, and the banner is gone
            restored = client.post(f"/cards/{view.id}/restore",
                                   data={"csrf_token": form_token(history), "number": "4", "revision": "3"})
            assert restored.status_code == 303 and restored.headers["location"] == editor
            page = client.get(editor)
            assert "second re-run" in page.text and banner not in page.text
            current = store.get_card("2511.00001")
            assert current is not None and current.revision == 5


def test_the_form_shown_after_a_refused_save_saves_every_key_number_with_its_own_evidence(
        database_url: str, tmp_path: Path) -> None:
    settings = load(env={}, database_url=database_url, data_dir=tmp_path / "data")
    numbers = [KeyNumber(metric="score", value="1.0", page=3, section="table", context="a score of 1.0"),
               KeyNumber(metric="year", value="2025", section="metadata"),
               KeyNumber(metric="speed", value="2x", page=4, context="twice as fast", grounded=False)]
    others = [KeyNumber(metric="params", value="7B", page=2, section="method", context="a 7B model"),
              KeyNumber(metric="steps", value="10k", page=5, context="10k steps, then \"decay\" <b>")]
    with Store(database_url) as store:
        store.add_user("ed", hash_password(PASSWORD), Role.EDITOR)
        add_draft(store, "2511.00001", draft(key_numbers=numbers, more_numbers=others))
        view = store.get_card("2511.00001")
        assert view is not None
        with app_client(settings, store) as client:
            sign_in(client, next_page=f"/cards/{view.id}")
            form = CardForm(client.get(f"/cards/{view.id}")).fields
            # speed first, year removed, params pulled in from the others, and the title forgotten
            form.update({"title": "", "kn-2-order": "0", "kn-1-remove": "1", "more-0-pull": "1"})
            refused = client.post(f"/cards/{view.id}", data=form)
            assert refused.status_code == 422 and "title cannot be empty" in refused.text
            form = CardForm(refused).fields  # the page shows the edited numbers: its places are not the card's
            assert [form[f"kn-{i}-metric"] for i in range(3)] == ["speed", "score", "params"]
            form.update({"title": "A Better Title", "more-0-pull": "1"})  # and steps, first of the others now
            saved = client.post(f"/cards/{view.id}", data=form)
            assert saved.status_code == 303, saved.text
        current = store.get_card("2511.00001")
        assert current is not None and current.card.title == "A Better Title"
        assert current.card.key_numbers == [numbers[2], numbers[0], others[0], others[1]]  # each its own context
        assert current.card.more_numbers == []


def test_the_inbox_page_finds_a_paper_by_the_id_it_shows(database_url: str, tmp_path: Path) -> None:
    # which searches find which jobs (other versions, arXiv URLs) is the store's to say: test_store.py
    settings = load(env={}, database_url=database_url, data_dir=tmp_path / "data")
    with Store(database_url) as store:
        store.add_user("ed", hash_password(PASSWORD), Role.EDITOR)
        add_draft(store, "2511.00001", draft())
        store.submit("2511.01234", 1, "test")
        with app_client(settings, store) as client:
            sign_in(client)
            listed = client.get("/").text
            assert '<td class="mono">2511.01234v1</td>' in listed and '<td class="mono">2511.00001</td>' in listed
            found = client.get("/", params={"q": "2511.01234v1"}).text  # copied from the page, pasted back
            assert '<td class="mono">2511.01234v1</td>' in found
            assert '<td class="mono">2511.00001</td>' not in found and "Nothing here" not in found


def test_a_restore_refused_because_another_editor_saved_meanwhile_says_so_in_the_history(
        database_url: str, tmp_path: Path) -> None:
    settings = load(env={}, database_url=database_url, data_dir=tmp_path / "data")
    with Store(database_url) as store:
        store.add_user("ed", hash_password(PASSWORD), Role.EDITOR)
        add_draft(store, "2511.00001", draft())
        store.save_revision("2511.00001", draft(method="ed's method"), "ed", expected_revision=1)
        view = store.get_card("2511.00001")
        assert view is not None
        with app_client(settings, store) as client:
            sign_in(client)
            history = client.get(f"/cards/{view.id}/history")
            assert "Not restored" not in history.text
            store.save_revision("2511.00001", draft(method="ann's method"), "ann", expected_revision=2)
            refused = client.post(f"/cards/{view.id}/restore",
                                  data={"csrf_token": form_token(history), "number": "1", "revision": "2"})
            assert refused.status_code == 303
            page = client.get(refused.headers["location"])
            said = " ".join(page.text.split())
            assert page.status_code == 200 and "another editor saved revision 3 meanwhile, so nothing was restored" in said
            assert 'name="revision" value="3"' in page.text  # restore again from the current history
        current = store.get_card("2511.00001")
        assert current is not None and (current.revision, current.card.method) == (3, "ann's method")


def test_the_edit_rates_page_names_fields_as_the_editor_does(database_url: str, tmp_path: Path) -> None:
    settings = load(env={}, database_url=database_url, data_dir=tmp_path / "data")
    with Store(database_url) as store:
        store.add_user("ed", hash_password(PASSWORD), Role.EDITOR)
        add_draft(store, "2511.00001", draft())
        store.save_revision("2511.00001", draft(verdict="worth it"), "ed", expected_revision=1)
        store.review("2511.00001", ReviewState.APPROVED, "ed", expected_revision=2)
        view = store.get_card("2511.00001")
        assert view is not None
        with app_client(settings, store) as client:
            sign_in(client)
            page = client.get("/stats").text
            editor = client.get(f"/cards/{view.id}").text
    rows = dict(re.findall(r"<tr><th>([^<]+)</th><td[^>]*>(\d+)%</td>", page))  # label: rate this week
    assert rows["Why read it"] == "100" and rows["Method"] == "0"
    assert rows["Results tables"] == "0" and rows["Key numbers"] == "0" and rows["Authors"] == "0"
    assert not {"verdict", "results_tables", "key_numbers", "core_problem"} & set(rows)
    for label in ("Why read it", "Results tables", "Key numbers", "Core problem"):
        assert label in editor  # the same words as the editor's


def test_a_saved_key_number_is_checked_again_against_the_papers_cached_text(
        database_url: str, tmp_path: Path) -> None:
    settings = load(env={}, database_url=database_url, data_dir=tmp_path / "data")
    sha256 = draft().provenance.pdf_sha256
    assert sha256 is not None
    pages = ["A Title\nWe study scores.", "Results\nOur cost is 0.35 of the baseline's.", "Table 1\nx 1.0\n"]
    cached = document_path(settings.cache_dir, sha256)  # where the parse stage left the paper's Document
    cached.parent.mkdir(parents=True)
    cached.write_text(Document(sha256=sha256, pages=[Page(number=i + 1, text=text) for i, text in enumerate(pages)],
                               sections=[]).model_dump_json())
    numbers = [KeyNumber(metric="score", value="1.0", page=3, section="table"),
               KeyNumber(metric="relative cost", value="0.33", page=2, grounded=False)]  # an earlier editor's typo
    typo = FlaggedNumber(field="key_numbers", number="0.33", action="flagged")
    with Store(database_url) as store:
        store.add_user("ed", hash_password(PASSWORD), Role.EDITOR)
        add_draft(store, "2511.00001", draft(key_numbers=numbers, grounding=Grounding(checked=2, held=1, flagged=[typo])))
        view = store.get_card("2511.00001")
        assert view is not None
        editor = f"/cards/{view.id}"
        with app_client(settings, store) as client:

            def saved(page: Any, **typed: str) -> Card:
                """The card after saving the page's form as shown, with what was typed."""
                response = client.post(editor, data={**CardForm(page).fields, **typed})
                assert response.status_code == 303, response.text
                current = store.get_card("2511.00001")
                assert current is not None
                return current.card

            sign_in(client, next_page=editor)
            page = client.get(editor)
            assert "<b>0.33</b> (relative cost)</a>: key number not found in the paper" in page.text
            fixed = saved(page, **{"kn-1-value": "0.35"})  # what page 2 prints
            assert fixed.key_numbers[1].value == "0.35" and fixed.key_numbers[1].grounded
            assert fixed.grounding == Grounding(checked=2, held=2)
            page = client.get(editor)
            assert "Check these first" not in page.text and "2/2 held" in client.get("/").text

            invented = saved(page, **{"kn-0-value": "1.7"})  # page 3 prints 1.0
            assert invented.key_numbers[0].value == "1.7" and not invented.key_numbers[0].grounded
            assert invented.grounding == Grounding(checked=2, held=1, flagged=[
                FlaggedNumber(field="key_numbers", number="1.7", action="flagged")])
            page = client.get(editor)
            assert "<b>1.7</b> (score)</a>: key number not found in the paper" in page.text
            assert 'id="kn-0" class="flagged"' in page.text and "1/2 held" in client.get("/").text

            cached.unlink()  # the paper's text is gone from this server's cache: nothing to check against
            unchecked = saved(page, **{"kn-0-value": "1.8"})
            assert unchecked.key_numbers[0].value == "1.8" and not unchecked.key_numbers[0].grounded
            assert unchecked.grounding == Grounding(checked=1, held=1)  # neither held nor listed as not found
            page = client.get(editor)
            assert "<b>1.8</b> (score)</a>: key number not checked against the paper" in page.text
            assert 'id="kn-0" class="unchecked"' in page.text and "not found in the paper" not in page.text
