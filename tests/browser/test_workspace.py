"""The editor workspace in a real browser: Debian's chromium driven by Playwright, against the real app
served by uvicorn on 127.0.0.1 over a real store (a SQLite file per test).

The card is synthetic (made-up method names and values); its PDF is a fixture PDF from ../shared, copied
into the test's own cache as the pipeline would have left it. Screenshots of the inbox and the editor go
to $SUMMARIZER_ARTIFACTS (default: artifacts/ under the repository root, ignored by git).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Self

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Dialog, Locator, Page, expect, sync_playwright

from summarizer.card import Card, Evidence, FlaggedNumber, Grounding, KeyNumber, Passage, ResultsTable
from summarizer.jobs import ReviewState, Stage
from summarizer.service.accounts import Role, hash_password
from summarizer.service.api import create_app
from summarizer.service.store import Store, migrate
from summarizer.settings import Settings, load

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("SUMMARIZER_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(os.environ.get("SUMMARIZER_ARTIFACTS", ROOT / "artifacts"))
FIXTURE_PDF = ROOT.parent / "shared" / "fixtures" / "gpjax_joss.pdf"
PASSWORD = "a long test password"
PAPER = "2511.01234"

def draft_card(**changes: object) -> Card:
    """A draft as the pipeline leaves it: a results table, key numbers (one not held), evidence pages."""
    card = Card(
        arxiv_id=PAPER, version="v1", name="Quillnet", headline="sparse routing for tiny denoisers",
        title="Quillnet: Sparse Routing for Tiny Denoisers", authors=["Ada Example", "Bo Sample"],
        venue=None, peer_review_status="preprint", submitted="2025-11-03",
        core_problem="Tiny denoisers waste compute on easy pixels.",
        method="Route each patch to one of four experts by a learned gate.",
        results_text="Quillnet beats the dense model at a third of the cost.",
        results_tables=[ResultsTable(caption="Table 2: sample quality", columns=["Method", "FID", "Cost"],
                                     rows=[["Dense", "7.31", "1.00"], ["Quillnet", "5.42", "0.33"]], page=2)],
        key_numbers=[
            KeyNumber(metric="FID (test set)", value="5.42", baseline="7.31", page=2,
                      context="Quillnet reaches an FID of 5.42 against 7.31 for the dense model."),
            KeyNumber(metric="relative cost", value="0.33", page=2, grounded=False),
        ],
        more_numbers=[KeyNumber(metric="experts", value="4", page=1)],
        code_url="https://github.com/example/quillnet", code_urls=["https://github.com/example/quillnet"],
        code_status="released",
        verdict="Read it for the gate.",
        evidence=[Evidence(field="method", pages=[1, 2], source="model", passages=[
                      Passage(page=2, text="Each patch goes to one of four experts picked by a learned gate.")]),
                  Evidence(field="core_problem", pages=[1], source="model")],
        grounding=Grounding(checked=3, held=2,  # an earlier save found 0.33 not printed on its page
                            flagged=[FlaggedNumber(field="key_numbers", number="0.33", action="flagged")]),
    )
    return card.model_copy(update=changes)


class Served:
    """The app on a free port of 127.0.0.1, in a thread."""

    def __init__(self, settings: Settings, store: Store) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        app = create_app(settings, store, enqueue=lambda ids: None)
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start within 20 s")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    url = f"sqlite:///{tmp_path / 'workspace.db'}"
    migrate(url)
    settings = load(env={}, database_url=url, data_dir=tmp_path / "data")
    pdfs = settings.cache_dir / "arxiv"
    pdfs.mkdir(parents=True)
    shutil.copyfile(FIXTURE_PDF, pdfs / f"{PAPER}v1.pdf")  # what the fetch stage cached
    return settings


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    with Store(settings.database_url) as store:
        store.add_user("ed", hash_password(PASSWORD), Role.EDITOR)
        store.add_user("bea", hash_password(PASSWORD), Role.EDITOR)
        yield store


def add_draft(store: Store, card: Card, arxiv_id: str = PAPER) -> int:
    """Run a job to done with `card` as its draft; the card's id."""
    job, _ = store.submit(arxiv_id, 1, "test")
    store.start_stage(job.id, Stage.STORE, chain="c1", max_crashes=3)
    return store.store_card(job.id, card).id


@pytest.fixture
def app(settings: Settings, store: Store) -> Iterator[Served]:
    with Served(settings, store) as served:
        yield served


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        # Debian's chromium, never a downloaded one (.ci/system-packages installs it)
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield browser
        browser.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    yield context
    context.close()


def sign_in(page: Page, app: Served, name: str = "ed", target: str = "/") -> None:
    page.goto(app.url + target)
    expect(page).to_have_url(f"{app.url}/signin?next={target.replace('/', '%2F')}")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(app.url + target)


def screenshot(page: Page, name: str, *, full_page: bool = True) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def settled(page: Page) -> None:
    """Wait until the live preview shows the form as it is (it waits 400 ms after the last keystroke)."""
    expect(page.locator("#preview")).not_to_have_attribute("aria-busy", "true")


def editor_screenshots(page: Page, name: str) -> None:
    """What an editor sees of the editor: its top, and its numbers (the sticky save bar covers the end of a
    full page, so both are views of the window)."""
    settled(page)
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, name, full_page=False)
    page.locator("#key-numbers").evaluate("section => section.scrollIntoView({block: 'start'})")
    screenshot(page, f"{name}-numbers", full_page=False)
    page.evaluate("window.scrollTo(0, 0)")


def test_an_editor_fixes_a_number_saves_sees_the_diff_and_approves(
    app: Served, store: Store, context: BrowserContext
) -> None:
    card_id = add_draft(store, draft_card())
    failed, _ = store.submit("2511.09999", None, "test")
    store.fail(failed.id, "arXiv has no paper 2511.09999", permanent=True)
    page = context.new_page()
    sign_in(page, app)
    row = page.get_by_role("row").filter(has_text=PAPER)
    expect(row).to_contain_text("Quillnet")
    expect(row).to_contain_text("2/3 held")
    expect(page.get_by_role("row").filter(has_text="2511.09999")).to_contain_text("arXiv has no paper")
    screenshot(page, "inbox")

    page.get_by_role("link", name="Quillnet").click()
    expect(page.get_by_role("heading", name="Check these first")).to_be_visible()
    expect(page.locator("#key-numbers tbody.flagged")).to_contain_text("not found in the paper")  # the unheld 0.33
    evidence = page.get_by_role("link", name="p. 2").first
    assert evidence.get_attribute("href") == f"/cards/{card_id}/pdf#page=2"
    expect(page.get_by_text("picked by a learned gate")).to_be_visible()  # beside the method, what the model read
    page.get_by_role("link", name="0.33 (relative cost)").click()  # "Check these first" leads to the row
    expect(page).to_have_url(f"{app.url}/cards/{card_id}#kn-1")
    expect(page.get_by_label("key number 2: value")).to_be_in_viewport()
    editor_screenshots(page, "editor")

    cell = page.get_by_label("table 1 row 2 column 2")
    expect(cell).to_have_value("5.42")
    cell.fill("5.24")
    expect(page.locator("#preview")).to_contain_text("5.24")  # the live preview follows the form
    page.get_by_label("What you changed").fill("FID typo in table 2")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("revision 2 by ed")).to_be_visible()
    saved = store.get_card(PAPER)
    assert saved is not None and saved.card.results_tables[0].rows[1] == ["Quillnet", "5.24", "0.33"]
    assert saved.card.key_numbers == draft_card().key_numbers  # nothing else moved

    page.get_by_role("link", name="history").click()
    latest = page.locator("#r2")
    expect(latest).to_contain_text("FID typo in table 2")
    expect(latest.locator(".del")).to_contain_text("Quillnet | 5.42 | 0.33")
    expect(latest.locator(".ins")).to_contain_text("Quillnet | 5.24 | 0.33")

    page.get_by_role("link", name="Quillnet").click()
    page.get_by_role("button", name="Approve revision 2").click()
    expect(page.locator(".editor-head .badge")).to_have_text("approved")
    approved = store.get_card(PAPER)
    assert approved is not None and approved.review.state is ReviewState.APPROVED
    assert approved.review.approved_revision == 2 and approved.review.by == "ed"

    page.get_by_role("link", name="Edit rates").click()  # the correction counts against the model's draft
    expect(page.get_by_role("row").filter(has_text="Results tables")).to_contain_text("100%")
    expect(page.get_by_role("row").filter(has_text="Why read it")).to_contain_text("0%")
    screenshot(page, "edit-rates")

    pdf = page.request.get(f"{app.url}/cards/{card_id}/pdf")  # the browser's session opens the paper
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body()[:5] == b"%PDF-"


def test_key_numbers_are_reordered_removed_and_pulled_in(app: Served, store: Store, context: BrowserContext) -> None:
    card_id = add_draft(store, draft_card())
    page = context.new_page()
    sign_in(page, app, target=f"/cards/{card_id}")
    page.get_by_role("button", name="move down").first.click()
    page.get_by_label("remove key number 1").check()  # the FID row, now second
    page.get_by_text("Other numbers of this paper").click()  # pull one in from the card's other numbers
    page.get_by_label("experts: 4").check()
    page.get_by_label("key number 3: what it measures").fill("training images")
    page.get_by_label("key number 3: value").fill("1.2M")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("revision 2 by ed")).to_be_visible()
    saved = store.get_card(PAPER)
    assert saved is not None
    assert [(k.metric, k.value) for k in saved.card.key_numbers] == [
        ("relative cost", "0.33"), ("training images", "1.2M"), ("experts", "4")]
    assert saved.card.more_numbers == []


def test_two_editors_saving_the_same_card_the_second_sees_both_versions(
    app: Served, store: Store, browser: Browser
) -> None:
    card_id = add_draft(store, draft_card())
    contexts = [browser.new_context(viewport={"width": 1440, "height": 1000}) for _ in range(2)]
    try:
        ed, bea = (context.new_page() for context in contexts)
        sign_in(ed, app, "ed", f"/cards/{card_id}")
        sign_in(bea, app, "bea", f"/cards/{card_id}")
        ed.get_by_label("Why read it").fill("Read it for the gate and the cost table.")
        ed.get_by_role("button", name="Save").click()
        expect(ed.get_by_text("revision 2 by ed")).to_be_visible()

        bea.get_by_label("Why read it").fill("Skip it: the baseline is weak.")
        bea.get_by_role("button", name="Save").click()
        conflict = bea.locator("section.conflict")
        expect(conflict).to_contain_text("ed saved revision 2 while you were editing")
        expect(conflict).to_contain_text("Read it for the gate and the cost table.")
        expect(conflict).to_contain_text("Skip it: the baseline is weak.")
        screenshot(bea, "conflict", full_page=False)  # the conflict at the top, as the editor sees it
        current = store.get_card(PAPER)
        assert current is not None and current.revision == 2
        assert current.card.verdict == "Read it for the gate and the cost table."

        bea.get_by_role("button", name="Save mine over revision 2").click()  # an explicit choice
        expect(bea.get_by_text("revision 3 by bea")).to_be_visible()
        assert [r.author for r in store.revisions(PAPER)] == ["pipeline", "ed", "bea"]
    finally:
        for context in contexts:
            context.close()


def test_paper_and_model_text_render_as_text_and_only_http_links_are_clickable(
    app: Served, store: Store, context: BrowserContext
) -> None:
    hostile = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">'
    card_id = add_draft(store, draft_card(
        name=hostile, title=f"Title {hostile}", method=f"Method {hostile}",
        code_urls=["javascript:window.pwned = 3", "https://github.com/example/quillnet"],
        project_page="data:text/html,<script>1</script>",
    ))
    page = context.new_page()
    dialogs: list[str] = []
    def dismiss(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    sign_in(page, app)
    expect(page.get_by_role("link", name=hostile)).to_be_visible()  # the name, as text
    page.goto(f"{app.url}/cards/{card_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(hostile)
    expect(page.locator("#preview")).to_contain_text(f"Method {hostile}")
    page.get_by_label("Method", exact=True).fill(f"Edited {hostile}")  # through the live preview too
    expect(page.locator("#preview")).to_contain_text(f"Edited {hostile}")
    assert page.evaluate("window.pwned") is None and dialogs == []
    assert page.locator("img[src=x]").count() == 0 and page.locator("main script").count() == 0
    hrefs = page.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert "https://github.com/example/quillnet" in hrefs
    assert not [h for h in hrefs if h and h.split(":")[0] in ("javascript", "data")]
    expect(page.locator("span.mono", has_text="javascript:window.pwned = 3")).to_be_visible()  # shown, not a link


def test_anonymous_visitors_and_tokenless_api_calls_are_refused(
    app: Served, store: Store, context: BrowserContext
) -> None:
    card_id = add_draft(store, draft_card())
    page = context.new_page()
    for path in ("/", f"/cards/{card_id}", f"/cards/{card_id}/history", f"/cards/{card_id}/pdf", "/docs"):
        page.goto(app.url + path)
        expect(page).to_have_url(f"{app.url}/signin?next={path.replace('/', '%2F')}")
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    for path in (f"/api/cards/{PAPER}", "/api/jobs", "/openapi.json"):
        response = httpx.get(app.url + path)
        assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    saved = httpx.post(f"{app.url}/cards/{card_id}", data={"revision": "1", "verdict": "pwned"})
    assert saved.status_code == 303 and saved.headers["location"].startswith("/signin?next=")
    current = store.get_card(PAPER)
    assert current is not None and current.revision == 1


def test_an_editor_removes_a_column_adds_a_table_and_the_saved_revision_shows_both(
    app: Served, store: Store, context: BrowserContext
) -> None:
    add_draft(store, draft_card())
    page = context.new_page()
    sign_in(page, app)
    page.get_by_role("link", name="Quillnet").click()
    preview = page.locator("#preview")
    expect(preview.locator("table.results th")).to_have_text(["Method", "FID", "Cost"])

    page.get_by_label("remove column 3 of table 1").check()
    expect(preview.locator("table.results th")).to_have_text(["Method", "FID"])  # the preview follows
    page.get_by_role("button", name="Add table", exact=True).click()
    page.get_by_label("Caption of table 2").fill("Table 5: peak memory")
    page.get_by_label("table 2 column 1 heading").fill("Memory")
    page.get_by_label("table 2 row 1 column 1").fill("1.9 GB")
    page.get_by_role("button", name="Add column to table 2", exact=True).click()
    page.get_by_label("table 2 column 2 heading").fill("Batch")
    page.get_by_label("table 2 row 1 column 2").fill("64")
    expect(preview.locator("table.results").nth(1)).to_contain_text("Table 5: peak memory")
    expect(preview.locator("table.results").nth(1)).to_contain_text("1.9 GB")
    settled(page)
    page.locator("#results-tables").evaluate("section => section.scrollIntoView({block: 'start'})")
    screenshot(page, "editor-tables", full_page=False)
    page.get_by_label("What you changed").fill("drop the cost column, add the memory table")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("revision 2 by ed")).to_be_visible()
    expect(page.get_by_label("table 1 column 3 heading")).to_have_count(0)
    expect(page.get_by_label("Caption of table 2")).to_have_value("Table 5: peak memory")
    expect(page.get_by_label("table 2 row 1 column 2")).to_have_value("64")
    expect(preview.locator("table.results").nth(1)).to_contain_text("1.9 GB")
    saved = store.get_card(PAPER)
    assert saved is not None and saved.revision == 2
    assert saved.card.results_tables == [
        ResultsTable(caption="Table 2: sample quality", columns=["Method", "FID"],
                     rows=[["Dense", "7.31"], ["Quillnet", "5.42"]], page=2),
        ResultsTable(caption="Table 5: peak memory", columns=["Memory", "Batch"], rows=[["1.9 GB", "64"]]),
    ]

    page.get_by_role("link", name="history").click()
    latest = page.locator("#r2")
    expect(latest).to_contain_text("drop the cost column, add the memory table")
    expect(latest.locator(".del")).to_contain_text(["Method | FID | Cost", "Quillnet | 5.42 | 0.33"])
    expect(latest.locator(".ins")).to_contain_text(["Method | FID", "Quillnet | 5.42", "[Table 5: peak memory]",
                                                     "Memory | Batch", "1.9 GB | 64"])


@pytest.mark.parametrize("width", [1280, 1440])
def test_the_numbers_and_tables_fit_their_column_with_each_numbers_evidence_in_view(
    app: Served, store: Store, browser: Browser, width: int
) -> None:
    long = ("Quillnet reaches an FID of 5.42 against 7.31 for the dense model on the held-out test set, "
            "averaged over three seeds with the same gate temperature and the same patch size of sixteen")
    wide = ResultsTable(caption="Table 3: every setting", columns=["Method", "FID", "IS", "Cost", "Memory", "Steps"],
                        rows=[["Dense", "7.31", "210.4", "1.00", "3.1 GB", "250"]], page=2)
    first = draft_card().key_numbers[0].model_copy(update={"context": long, "setting": "held-out test set, 3 seeds"})
    card_id = add_draft(store, draft_card(key_numbers=[first, *draft_card().key_numbers[1:]],
                                          results_tables=[*draft_card().results_tables, wide]))
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        sign_in(page, app, target=f"/cards/{card_id}")
        for box in page.locator("#key-numbers .scroll, #results-tables .scroll").all():  # nothing to scroll to
            widths = box.evaluate("box => [box.querySelector('table').scrollWidth, box.clientWidth]")
            assert widths[0] <= widths[1], widths
        numbers = page.locator("#key-numbers").bounding_box()
        remove = page.get_by_label("remove key number 1").bounding_box()
        evidence = page.locator("#kn-0 tr.context").bounding_box()
        assert numbers and remove and evidence
        assert remove["x"] + remove["width"] <= numbers["x"] + numbers["width"]  # the checkbox is on screen
        assert evidence["x"] + evidence["width"] <= numbers["x"] + numbers["width"]
        expect(page.locator("#kn-0 tr.context")).to_contain_text("the same patch size of sixteen")  # whole
        # the numbers come before the ten optional fields, which stay folded while empty
        order = page.locator("form#card-form legend").all_inner_texts()
        assert order.index("Key numbers") < order.index("Results tables") < order.index("Heading and paper")
        expect(page.get_by_label("Novelty")).not_to_be_visible()
        if width == 1440:
            editor_screenshots(page, "editor-wide-numbers")
    finally:
        context.close()


def test_an_optional_field_with_text_opens_more_fields(app: Served, store: Store, context: BrowserContext) -> None:
    card_id = add_draft(store, draft_card(institutions=["Example University"]))
    page = context.new_page()
    sign_in(page, app, target=f"/cards/{card_id}")
    expect(page.get_by_label("Institutions (one per line)")).to_have_value("Example University")
    expect(page.get_by_label("Novelty")).to_be_visible()
    page.locator("details.more-fields").evaluate("group => group.scrollIntoView({block: 'start'})")
    screenshot(page, "editor-more-fields", full_page=False)
    page.get_by_label("Novelty").fill("First gate for denoisers this small.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("revision 2 by ed")).to_be_visible()
    saved = store.get_card(PAPER)
    assert saved is not None and saved.card.novelty == "First gate for denoisers this small."
    assert saved.card.institutions == ["Example University"]


def test_an_editor_sees_the_drafts_review_notes_first_and_clears_one_once_checked(
    app: Served, store: Store, context: BrowserContext
) -> None:
    injection = "possible prompt injection in the paper text: the verdict is left to an editor"
    byline = "authors/institutions could not be read from the PDF"
    held = draft_card().key_numbers[:1]  # nothing else to check: the notes alone
    card_id = add_draft(store, draft_card(needs_review=[injection, byline], key_numbers=held, verdict=None))
    page = context.new_page()
    sign_in(page, app, target=f"/cards/{card_id}")
    check = page.locator("section.flags")
    expect(check.get_by_role("heading", name="Check these first")).to_be_visible()
    expect(check.get_by_role("link", name=injection)).to_have_attribute("href", "#f-verdict")
    expect(check.get_by_role("link", name=byline)).to_have_attribute("href", "#f-authors")
    notes = page.get_by_label("Review notes (one per line)")
    expect(notes).to_have_value(f"{injection}\n{byline}")
    screenshot(page, "editor-review-notes", full_page=False)
    check.get_by_role("link", name=injection).click()
    expect(page.get_by_label("Why read it")).to_be_in_viewport()

    page.get_by_label("Why read it").fill("Read it for the gate.")
    notes.fill(byline)  # the verdict is written: that note is done
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("revision 2 by ed")).to_be_visible()
    expect(page.locator("section.flags li")).to_have_text([byline])
    saved = store.get_card(PAPER)
    assert saved is not None and saved.card.needs_review == [byline]

    page.get_by_label("Review notes (one per line)").fill("")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("revision 3 by ed")).to_be_visible()
    expect(page.get_by_role("heading", name="Check these first")).to_have_count(0)  # nothing left to check
    saved = store.get_card(PAPER)
    assert saved is not None and saved.card.needs_review == []
    page.get_by_role("link", name="history").click()
    cleared = page.locator("#r2 tr").filter(has_text="needs_review")
    expect(cleared.locator(".del")).to_contain_text([injection])
    expect(cleared.locator(".same")).to_contain_text([byline])


def test_a_bare_code_link_opens_as_https_and_the_first_code_link_is_the_cards_code_url(
    app: Served, store: Store, context: BrowserContext
) -> None:
    card_id = add_draft(store, draft_card(
        code_urls=["github.com/example/quillnet", "javascript:alert(1)", "ftp://example.org/quillnet"],
        code_url="github.com/example/quillnet", project_page="quillnet.example.org/demo",
    ))
    page = context.new_page()
    sign_in(page, app, target=f"/cards/{card_id}")
    code = page.get_by_role("link", name="github.com/example/quillnet", exact=True)
    expect(code).to_have_attribute("href", "https://github.com/example/quillnet")  # the text as stored
    expect(page.get_by_role("link", name="quillnet.example.org/demo")).to_have_attribute(
        "href", "https://quillnet.example.org/demo")
    for text in ("javascript:alert(1)", "ftp://example.org/quillnet"):
        expect(page.get_by_role("link", name=text)).to_have_count(0)
        expect(page.locator("span.mono", has_text=text)).to_be_visible()

    page.get_by_label("Code links (one per line)").fill("github.com/example/quillnet-v2\ngithub.com/example/quillnet")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("revision 2 by ed")).to_be_visible()
    saved = store.get_card(PAPER)
    assert saved is not None and saved.card.code_url == "github.com/example/quillnet-v2"
    expect(page.get_by_role("link", name="github.com/example/quillnet-v2")).to_have_attribute(
        "href", "https://github.com/example/quillnet-v2")


def test_beside_each_field_the_editor_sees_where_it_came_from(
    app: Served, store: Store, context: BrowserContext
) -> None:
    entry = f"https://arxiv.org/abs/{PAPER}v1"
    comment = "arXiv comment: Accepted at ICLR 2026 (oral)"
    printed = "Code and models: https://github.com/example/quillnet"
    card_id = add_draft(store, draft_card(
        venue="ICLR 2026", peer_review_status="accepted", peer_review_text=comment,
        evidence=[*draft_card().evidence, Evidence(field="title", source="arxiv_api", url=entry),
                  *(Evidence(field=name, source="arxiv_api", url=entry, passages=[Passage(text=comment)])
                    for name in ("venue", "peer_review_status", "peer_review_text")),
                  Evidence(field="code_urls", pages=[1], passages=[Passage(page=1, text=printed)])],
    ))
    page = context.new_page()
    sign_in(page, app, target=f"/cards/{card_id}")

    def field(label: str) -> Locator:
        return page.locator(".field").filter(has=page.get_by_label(label, exact=True))

    title = field("Paper title")
    expect(title.locator(".evidence")).to_contain_text("from the arXiv entry")
    expect(title.get_by_role("link", name=entry)).to_have_attribute("href", entry)  # shown, opened by the editor
    venue = field("Venue")
    expect(venue.locator(".evidence")).to_contain_text("from the arXiv entry")
    expect(venue.locator(".passages-head")).to_have_text("The line it was read from")
    expect(venue.locator(".passages blockquote")).to_have_text(comment)
    code = field("Code links (one per line)")
    expect(code.locator(".evidence")).to_contain_text("from the PDF")
    expect(code.locator(".evidence").get_by_role("link", name="p. 1")).to_have_attribute(
        "href", f"/cards/{card_id}/pdf#page=1")
    expect(code.locator(".passages")).to_contain_text(printed)
    method = field("Method")  # a written field: what the model read, as before
    expect(method.locator(".evidence")).to_contain_text("the model read")
    expect(method.locator(".passages-head")).to_have_text("The passage it rests on")
    expect(field("Submitted (YYYY-MM-DD)").locator(".evidence")).to_have_count(0)  # no evidence: nothing said
    page.locator("form#card-form .paper").evaluate("part => part.scrollIntoView({block: 'start'})")
    screenshot(page, "editor-evidence", full_page=False)
