"""The nightly digest end to end: a fake day of 64 arXiv announcements on loopback, real MiniLM, real
workers and store; the model is a loopback fake (its judgement is scripted: what is tested is ours)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from summarizer.digest import compose
from summarizer.errors import BadInput
from summarizer.ingest.arxiv import ArxivClient
from summarizer.jobs import ReviewState
from summarizer.model.connection import connect
from summarizer.model.embeddings import get_embedder
from summarizer.service import nightly
from summarizer.service.intake import Intake
from summarizer.service.store import PIPELINE_AUTHOR
from summarizer.settings import Settings
from tests.fakes.fake_arxiv import FakeArxiv
from tests.fakes.fake_llm import schema_answer
from tests.fakes.listing import day_listing, distractors, rss, seed_papers
from tests.integration.queue_harness import Harness
from workers.celery_app import make_app
from workers.tasks import resume_digests

pytestmark = pytest.mark.integration
WEEKDAY = date(2026, 5, 15)  # a Friday
SATURDAY = date(2026, 5, 16)


def new_in_default_categories() -> list[dict[str, Any]]:
    """The day's new papers (and cross-lists) in the default categories: what a digest chooses from."""
    return [e for e in day_listing() if e["announce_type"] in ("new", "cross")
            and {"cs.CV", "cs.LG", "cs.AI"} & set(e["categories"])]


def judging(request: dict[str, Any]) -> str:
    """The fake model: every abstract it is asked to judge is on topic and fair; anything else minimal."""
    if "TASK: Judge the paper" in request["messages"][-1]["content"]:
        return json.dumps({"relevance": 4, "novelty": 3, "evidence": 3, "practical": 3, "reason": "On topic."})
    return schema_answer(request)


@pytest.fixture()
def harness(world: Callable[..., Harness]) -> Harness:
    h = world()
    h.model.default = judging
    return h


@contextmanager
def nightly_run(h: Harness, messages: list[str] | None = None, **digest: object) -> Iterator[nightly.Run]:
    """A run as `summarizer digest` makes one, with the harness's settings (and these digest settings);
    its progress messages go to `messages`."""
    base = h.settings()
    settings = Settings.model_validate({**base.model_dump(), "digest": {**base.digest.model_dump(), **digest}})
    assert h.store is not None
    with ArxivClient(settings.arxiv, settings.cache_dir) as arxiv, connect(settings.llm, settings.cache_dir) as llm:
        yield nightly.Run(settings=settings, store=h.store, arxiv=arxiv, embed=get_embedder().embed, llm=llm,
                          intake=Intake(h.store, settings),
                          progress=(messages if messages is not None else []).append,
                          sleep=lambda seconds: time.sleep(min(seconds, 1.0)))


def test_the_day_becomes_a_five_entry_digest_and_a_broken_pick_gives_its_place_to_the_next(
        harness: Harness, fake_arxiv: FakeArxiv) -> None:
    h = harness
    assert h.store is not None
    entries = day_listing()
    fake_arxiv.announce(entries, WEEKDAY)
    with nightly_run(h) as run:
        ranking = nightly.choose(run, WEEKDAY, nightly.read_listing(run, WEEKDAY, None))
    expected = [c.entry.arxiv_id for c in ranking.picks]
    broken = expected[1]
    fake_arxiv.announce(entries, WEEKDAY, broken=frozenset({broken}))
    replaced = next(e for e in distractors() if e["announce_type"] == "replace")
    first, _ = h.submit(replaced["arxiv_id"], 1)  # carded at v1 before: today's replacement is a new version
    h.start_worker()
    h.wait(first.id)

    with nightly_run(h, cards_wait_s=300) as run:
        view = nightly.run_to_end(run, WEEKDAY)

    assert view is not None and view.digest is not None and view.revision == 1
    digest = view.digest
    picks = [e.arxiv_id for e in digest.entries]
    # the next-ranked candidate (the first mention) took the broken pick's place; the others kept theirs
    assert picks == [ranking.mentions[0].entry.arxiv_id if p == broken else p for p in expected]
    assert any(note.startswith(broken) for note in digest.notes)
    assert digest.title == "Five diffusion papers worth reading today (May 15, 2026)"
    kinds = {e["arxiv_id"]: e["kind"] for e in entries}
    assert {kinds[p] for p in picks} <= {"seed", "weak-diffusion"}
    for made in digest.entries:
        card = h.store.get_card(made.arxiv_id)
        assert card is not None and made.card_revision == card.revision
        assert all(k in card.card.key_numbers for k in made.numbers)  # every number from its grounded card
        assert made.reason  # why it was picked
    text = compose.markdown(digest)
    for section in ("# Five diffusion papers", "Authors / institution:", "Core problem:", "Method:", "Results:",
                    "Resources:", "Peer-review status:", "## Quick reference"):
        assert text.count(section) >= 1, section
    assert text.count("Core problem:") == 5
    # drafted from the picks' unapproved cards, as the night's run must: not approvable before they are
    with pytest.raises(BadInput, match=f"the card of {picks[0]} .*is not approved"):
        h.store.review_digest(WEEKDAY.isoformat(), ReviewState.APPROVED, "ed", 1)
    # the paper replaced today had a card of v1: it is queued again for a card of its new version
    jobs = {(j.arxiv_id, j.version) for j in h.store.list_jobs()}
    assert (replaced["arxiv_id"], replaced["version"]) in jobs

    # running again for the same day makes no second digest and queues nothing
    before = len(h.store.list_jobs(limit=1000))
    with nightly_run(h) as run:
        assert nightly.step(run, WEEKDAY) is nightly.Status.DRAFTED
    again = h.store.get_digest(WEEKDAY.isoformat())
    assert again is not None and again.id == view.id and again.revision == 1
    assert len(h.store.list_jobs(limit=1000)) == before


def test_a_weekend_listing_is_empty_by_design_and_makes_no_digest(harness: Harness, fake_arxiv: FakeArxiv) -> None:
    h = harness
    messages: list[str] = []
    with nightly_run(h, messages) as run:  # production digest settings: a weekend feed is believed at once
        assert nightly.step(run, SATURDAY) is nightly.Status.EMPTY
    assert h.store is not None and h.store.get_digest(SATURDAY.isoformat()) is None
    assert len(fake_arxiv.requests_to("rss")) == 3  # one per category, asked once
    assert any("no new papers" in m for m in messages)


def test_an_empty_weekday_listing_is_asked_again_before_it_is_believed(harness: Harness,
                                                                      fake_arxiv: FakeArxiv) -> None:
    messages: list[str] = []
    # production: 4 tries 15 minutes apart; the mechanism is the same
    with nightly_run(harness, messages, empty_feed_tries=3, empty_feed_wait_s=0.2) as run:
        assert nightly.step(run, WEEKDAY) is nightly.Status.EMPTY
    assert len(fake_arxiv.requests_to("rss")) == 3 * 3
    assert any("taken as a holiday" in m for m in messages)


def test_arxiv_failing_mid_run_is_waited_out_and_a_missing_record_does_not_stop_the_selection(
        harness: Harness, fake_arxiv: FakeArxiv) -> None:
    h = harness
    fake_arxiv.announce(day_listing(), WEEKDAY)
    fake_arxiv.unavailable(2, target="rss")  # the second category's feed fails twice, then answers
    fake_arxiv.fail(404, times=50, target="api")  # and no record can be read to complete the entries

    with nightly_run(h) as run:
        view = nightly.start(run, WEEKDAY)

    assert view is not None and len(view.plan["picks"]) == 5
    assert view.plan["listing_size"] == len(new_in_default_categories())


def test_a_thin_day_makes_a_shorter_digest_not_a_padded_one(harness: Harness, fake_arxiv: FakeArxiv) -> None:
    h = harness
    other_fields = [e for e in distractors() if e["kind"] == "other-field"]
    fake_arxiv.announce(seed_papers()[:3] + other_fields, WEEKDAY)

    with nightly_run(h) as run:
        view = nightly.start(run, WEEKDAY)

    assert view is not None
    assert sorted(view.plan["picks"]) == sorted(p["arxiv_id"] for p in seed_papers()[:3])
    assert view.plan["mentions"] == []


def test_the_dry_run_prints_the_ranking_and_stores_nothing(harness: Harness, tmp_path: Path,
                                                          fake_arxiv: FakeArxiv) -> None:
    h = harness
    saved = tmp_path / "listing.xml"
    saved.write_bytes(rss(day_listing(), ["cs.CV", "cs.LG", "cs.AI"], WEEKDAY))
    env = {**h.env, "PYTHONPATH": os.pathsep.join(sys.path)}

    result = subprocess.run([sys.executable, "-m", "summarizer.cli", "digest", "--dry-run", "--listing", str(saved),
                             "--date", WEEKDAY.isoformat()], env=env, capture_output=True, text=True, timeout=300,
                            check=False)

    assert result.returncode == 0, result.stderr
    assert f"[digest] first pass: {len(new_in_default_categories())} abstracts scored" in result.stderr
    picks = [line for line in result.stdout.splitlines() if " pick " in line]
    assert len(picks) == 5
    assert h.store is not None and h.store.get_digest(WEEKDAY.isoformat()) is None

    fake_arxiv.announce(day_listing(), WEEKDAY)  # arXiv serves the 15th: asking it for the 14th is refused
    other_day = subprocess.run([sys.executable, "-m", "summarizer.cli", "digest", "--dry-run", "--date", "2026-05-14"],
                               env=env, capture_output=True, text=True, timeout=300, check=False)
    assert other_day.returncode == 2 and "serves only the latest" in other_day.stderr


def test_the_scheduled_task_drafts_the_day_on_the_workers(world: Callable[..., Harness], fake_arxiv: FakeArxiv) -> None:
    h = world(SUMMARIZER_DIGEST__POLL_S="1")  # beat's task looks at its picks' jobs every second
    h.model.default = judging
    fake_arxiv.announce(day_listing(), WEEKDAY)
    h.start_worker()

    make_app(h.settings()).send_task("summarizer.digest", args=(WEEKDAY.isoformat(),))

    assert h.store is not None
    deadline = time.monotonic() + 300
    view = h.store.get_digest(WEEKDAY.isoformat())
    while (view is None or view.revision == 0) and time.monotonic() < deadline:
        time.sleep(1)
        view = h.store.get_digest(WEEKDAY.isoformat())
    assert view is not None and view.digest is not None, h.log()[-3000:]
    assert len(view.digest.entries) == 5 and view.author == PIPELINE_AUTHOR
    assert "digest 2026-05-15: digest of 2026-05-15 drafted" in h.log()


def test_a_scheduled_run_asks_again_later_for_a_listing_not_out_yet(harness: Harness, fake_arxiv: FakeArxiv) -> None:
    """A Celery delivery asks once and is retried later (never sleeping in a worker); the last believes it."""
    fake_arxiv.announce(day_listing(), date(2026, 5, 14))  # the feed still shows Thursday's announcement
    with nightly_run(harness) as run:
        assert nightly.step(run, WEEKDAY, tries=1, believe_empty=False) is nightly.Status.NOT_YET
        assert nightly.step(run, WEEKDAY, tries=1, believe_empty=True) is nightly.Status.EMPTY
    assert len(fake_arxiv.requests_to("rss")) == 2 * 3
    assert harness.store is not None and harness.store.get_digest(WEEKDAY.isoformat()) is None


def test_a_digest_whose_run_was_lost_is_resumed_by_the_sweeper(harness: Harness) -> None:
    h = harness
    assert h.store is not None
    h.store.open_digest("2026-05-14", {"picks": []})  # drafting, and its task gone
    h.store.open_digest(WEEKDAY.isoformat(), {"picks": []})
    settings = h.settings()
    celery = make_app(settings)

    assert resume_digests(celery, h.store, settings) == []  # both moved just now

    quiet = settings.model_copy(update={"queue": settings.queue.model_copy(update={"recover_after_s": 0}),
                                        "digest": settings.digest.model_copy(update={"poll_s": 0.01})})
    time.sleep(0.1)  # three polls of 0.01 s without a move
    assert sorted(resume_digests(celery, h.store, quiet)) == ["2026-05-14", WEEKDAY.isoformat()]
    h.store.save_digest(WEEKDAY.isoformat(), compose.Digest(date=WEEKDAY.isoformat(), title="t", dek="d",
                                                            intro="i", entries=[]).model_dump(mode="json"),
                        PIPELINE_AUTHOR, 0)
    assert resume_digests(celery, h.store, quiet) == ["2026-05-14"]  # a drafted digest is left alone
