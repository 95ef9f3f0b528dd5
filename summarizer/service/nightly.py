"""The nightly digest run: the day's listing -> a selection -> the picks' jobs on the queue -> a draft digest.

A run is a sequence of `step`s, each short and safe to repeat, so the CLI loops over them with a sleep and
Celery (workers/tasks.py: summarizer.digest) re-sends itself with a countdown. The first step reads the
listing, selects, and records the plan in the store (`open_digest`: one digest per day, however many runs
start); later steps follow the picks' jobs, put the next-ranked candidate in the place of a pick that
failed, and, once every pick has a card (or the wait is over), assemble the digest as revision 1.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from summarizer.digest import compose, listing
from summarizer.digest.compose import Digest
from summarizer.digest.selection import Candidate, Embed, Selection, select
from summarizer.drafting.abstract import Listing
from summarizer.errors import BadInput, RevisionConflict, SummarizerError
from summarizer.ingest.arxiv import ArxivClient
from summarizer.ingest.ids import ArxivId
from summarizer.jobs import JobState
from summarizer.model.llm import LLM
from summarizer.service.accounts import PIPELINE_AUTHOR
from summarizer.service.intake import Intake
from summarizer.service.store import DigestView, Store
from summarizer.settings import Settings

logger = logging.getLogger(__name__)
Progress = Callable[[str], None]

# ranked papers kept in the plan beyond the picks and mentions, for replacements and for editors to swap in
SPARE_CANDIDATES = 10


class Status(StrEnum):
    EMPTY = "empty"  # no announcements that day (a weekend, a holiday): no digest, by design
    NOT_YET = "not yet"  # an empty or stale weekday listing, not believed yet: ask again later
    WAITING = "waiting"  # picks are still being summarized
    DRAFTED = "drafted"  # the digest has its first revision


class Plan(BaseModel):
    """How the day's drafting stands; stored with the digest while it is drafted."""

    listing_size: int
    categories: list[str]
    picks: list[str]  # arXiv ids, best first: the entries the digest will have
    spare: list[str]  # the next-ranked eligible papers, in order: they replace a pick that fails
    mentions: list[str]
    jobs: dict[str, int] = {}  # arXiv id -> job id
    failed: dict[str, str] = {}  # arXiv id -> why its card could not be made
    candidates: list[compose.RankedCandidate] = []
    mention_notes: dict[str, str] = {}  # arXiv id -> a mention's note
    started_at: float = 0.0  # time.time() when the plan was made


@dataclasses.dataclass
class Run:
    """What a run needs: settings, the store, arXiv, the model, the embedder, the way jobs are queued."""

    settings: Settings
    store: Store
    arxiv: ArxivClient | None
    embed: Embed
    llm: LLM | None
    intake: Intake
    progress: Progress = lambda message: None  # a silent default
    sleep: Callable[[float], None] = time.sleep


def today(settings: Settings) -> date:
    """The day it is where the editors are (settings.digest.timezone)."""
    return datetime.now(ZoneInfo(settings.digest.timezone)).date()


class ListingNotOut(Exception):
    """The weekday listing is still empty (or still the previous day's) after the tries of this call."""


def read_listing(run: Run, day: date, listing_file: Path | None, *, tries: int | None = None,
                 believe_empty: bool = True) -> listing.Day:
    """The day's announcements: a saved feed, or arXiv's, asked again on a weekday while it is empty or still
    yesterday's (`tries` times, settings.digest.empty_feed_tries by default, empty_feed_wait_s apart); then
    taken as a holiday, or, with believe_empty=False, ListingNotOut (a caller that retries later itself)."""
    if listing_file is not None:
        found = listing.read_file(listing_file)
        _check_day(found, day, f"the listing {listing_file}")
        run.progress(f"listing {listing_file}: {len(found.entries)} papers ({len(found.new)} new)")
        return found
    if run.arxiv is None:
        raise BadInput("no listing file and no arXiv client")
    digest = run.settings.digest
    tries = digest.empty_feed_tries if tries is None else tries
    for attempt in range(1, tries + 1):
        feeds = [listing.parse_feed(run.arxiv.fetch_listing(c), c) for c in digest.categories]
        announced = next((day_ for _, day_ in feeds if day_ is not None), None)
        found = listing.Day(listing.merge(entries for entries, _ in feeds), announced)
        if found.entries and announced is not None and announced > day:
            _check_day(found, day, "arXiv's listing")
        run.progress(f"listing {', '.join(digest.categories)}: {len(found.entries)} papers ({len(found.new)} new)")
        not_out = announced is not None and announced < day  # the day's announcement has not replaced it yet
        if (found.entries and not not_out) or day.weekday() >= 5:  # arXiv announces nothing on weekends
            return found if not not_out else listing.Day([], None)
        if attempt < tries:
            run.progress(f"no listing of {day} ({day:%A}) yet: asking again in {digest.empty_feed_wait_s:g} s "
                         f"(try {attempt} of {tries})")
            run.sleep(digest.empty_feed_wait_s)
    if not believe_empty:
        raise ListingNotOut(day)
    run.progress(f"no listing of {day} after {tries} tries: taken as a holiday")
    return listing.Day([], None)


def _check_day(found: listing.Day, day: date, source: str) -> None:
    if found.entries and found.announced is not None and found.announced != day:
        raise BadInput(f"{source} is of {found.announced}, not {day}: arXiv's RSS serves only the latest "
                       "announcement; pass --listing FILE with a feed saved on that day")


def enrich(run: Run) -> Callable[[Listing], Listing]:
    """Completes an entry with the export API's record (comment, journal ref, dates), through the cache."""
    def complete(entry: Listing) -> Listing:
        if run.arxiv is None:
            return entry
        try:
            record = run.arxiv.fetch_record(ArxivId(entry.arxiv_id, entry.version))
        except SummarizerError as exc:  # the listing's own fields are enough to judge it
            logger.warning("no arXiv record for %s: %s", entry.arxiv_id, exc)
            return entry
        return dataclasses.replace(entry, comment=record.comment, journal_ref=record.journal_ref,
                                   submitted=record.published, authors=record.authors or entry.authors)
    return complete


def choose(run: Run, day: date, found: listing.Day) -> Selection:
    """Rank the day's new papers, skipping those featured in the last `featured_days` days."""
    digest = run.settings.digest
    since = (day - timedelta(days=digest.featured_days)).isoformat()
    featured = run.store.featured(since, day.isoformat())
    return select(found.new, run.settings, run.embed, run.llm, featured=featured, enrich=enrich(run),
                  progress=run.progress)


def plan_of(selection: Selection, found: listing.Day, settings: Settings) -> Plan:
    chosen = selection.picks + selection.mentions
    spare_pool = [c for c in selection.ranked if c not in chosen and c.eligible(settings.digest.min_score)]
    shown = chosen + spare_pool[:SPARE_CANDIDATES]
    return Plan(
        listing_size=len(found.new), categories=settings.digest.categories,
        picks=[c.entry.arxiv_id for c in selection.picks],
        # a mention is promoted before any other spare: it was ranked next
        spare=[c.entry.arxiv_id for c in selection.mentions + spare_pool[:SPARE_CANDIDATES]],
        mentions=[c.entry.arxiv_id for c in selection.mentions],
        candidates=[compose.RankedCandidate(arxiv_id=c.entry.arxiv_id, title=c.entry.title, score=round(c.first_pass, 3),
                                      merit=c.merit, reason=c.reason) for c in shown],
        mention_notes={c.entry.arxiv_id: mention_note(c) for c in selection.mentions},
        started_at=time.time(),
    )


def mention_note(candidate: Candidate) -> str:
    """A mention's note: the model's reason, else the abstract's first sentence; never a number (no card)."""
    text = candidate.judgement.reason if candidate.judgement else candidate.entry.abstract.split(". ")[0] + "."
    return compose.checked_prose(text, compose.printable_numbers([], 0)) or candidate.entry.title


def refresh_replaced(run: Run, found: listing.Day) -> None:
    """A replaced paper that has a card of an older version gets a fresh card of the new one."""
    stale = []
    for entry in found.replaced:
        view = run.store.get_card(entry.arxiv_id)
        if view is not None and entry.version is not None and view.card.version != f"v{entry.version}":
            stale.append(f"{entry.arxiv_id}v{entry.version}")
    if stale:
        run.intake.submit(stale)
        run.progress(f"replaced since carded: {len(stale)} paper(s) queued for a fresh card ({', '.join(stale)})")


def start(run: Run, day: date, listing_file: Path | None = None, *, tries: int | None = None,
          believe_empty: bool = True) -> DigestView | None:
    """Read, select and record the plan (once per day); None when the day has nothing to feature."""
    existing = run.store.get_digest(day.isoformat())
    if existing is not None:
        return existing
    found = read_listing(run, day, listing_file, tries=tries, believe_empty=believe_empty)
    if not found.new:
        run.progress(f"no new papers announced for {day} ({day:%A}): no digest")
        return None
    selection = choose(run, day, found)
    if not selection.picks:
        run.progress(f"none of the {len(found.new)} new papers of {day} is on the topic: no digest")
        return None
    plan = plan_of(selection, found, run.settings)
    view, created = run.store.open_digest(day.isoformat(), plan.model_dump(mode="json"))
    if not created:
        run.progress(f"another run made the digest of {day} first: following it")
        return view
    for number, pick in enumerate(selection.picks, 1):
        run.progress(f"pick {number}: {pick.entry.arxiv_id} {pick.entry.title[:70]} — {pick.reason[:160]}")
    refresh_replaced(run, found)
    return view


def step(run: Run, day: date, listing_file: Path | None = None, *, tries: int | None = None,
         believe_empty: bool = True) -> Status:
    """One step of the day's run (see the module's docstring); repeat it while it says WAITING.

    `tries`, `believe_empty`: how often an empty weekday listing is asked for in this step, and whether it
    is then believed (a Celery task asks once per delivery and retries later, NOT_YET, instead of sleeping).
    Of two runs of one day, the one that finds the other has drafted it stops there.
    """
    try:
        view = start(run, day, listing_file, tries=tries, believe_empty=believe_empty)
    except ListingNotOut:
        return Status.NOT_YET
    if view is None:
        return Status.EMPTY
    if view.revision > 0:
        return Status.DRAFTED
    plan = Plan.model_validate(view.plan)
    try:
        pending = follow(run, plan)
        waited = time.time() - plan.started_at
        if pending and waited < run.settings.digest.cards_wait_s:
            run.store.set_digest_plan(day.isoformat(), plan.model_dump(mode="json"))
            run.progress(f"waiting for {len(pending)} card(s) from the workers ({', '.join(pending)}); "
                         f"{waited:.0f} s of at most {run.settings.digest.cards_wait_s:.0f} s")
            return Status.WAITING
        for arxiv_id in pending:
            plan.failed[arxiv_id] = f"no card after {waited:.0f} s: left out"
            plan.picks.remove(arxiv_id)
        assemble(run, day, plan)
    except RevisionConflict:
        run.progress(f"another run drafted the digest of {day} meanwhile")
    return Status.DRAFTED


def follow(run: Run, plan: Plan) -> list[str]:
    """Queue the picks that have no job, replace those that failed; the picks still without a card."""
    missing = [p for p in plan.picks if p not in plan.jobs]
    if missing:
        for pick, submission in zip(missing, run.intake.submit(missing), strict=True):
            if submission.job is not None:
                plan.jobs[pick] = submission.job.id
    pending = []
    for pick in list(plan.picks):
        job = run.store.get_job(plan.jobs[pick]) if pick in plan.jobs else None
        if job is not None and job.state is JobState.DONE:
            continue
        if job is None or job.state is JobState.FAILED:
            reason = job.error if job is not None and job.error else "could not be queued"
            plan.failed[pick] = reason
            index = plan.picks.index(pick)
            plan.picks.remove(pick)
            replacement = next((s for s in plan.spare if s not in plan.picks and s not in plan.failed), None)
            run.progress(f"{pick} failed ({reason[:120]})" +
                         (f"; {replacement} takes its place" if replacement else "; no candidate left to replace it"))
            if replacement is not None:
                plan.spare.remove(replacement)
                plan.picks.insert(index, replacement)
                pending.append(replacement)
                if replacement in plan.mentions:
                    plan.mentions.remove(replacement)
            continue
        pending.append(pick)
    if any(p not in plan.jobs for p in pending):
        return follow(run, plan)  # queue the replacements now
    return pending


def assemble(run: Run, day: date, plan: Plan) -> DigestView:
    """The digest from the picks' cards, saved as its first revision: their approved revisions where editors
    approved some, else their drafts (approving the digest waits for approved ones: Store.review_digest)."""
    entries, cards = [], []
    reasons = {c.arxiv_id: c.reason for c in plan.candidates}
    for pick in plan.picks:
        found = run.store.digest_source(pick)
        if found is None:
            plan.failed[pick] = "its job finished without a card"
            continue
        card, revision = found
        entries.append(compose.entry(card, revision=revision, reason=reasons.get(pick, "")))
        cards.append(card)
    titles = {c.arxiv_id: c.title for c in plan.candidates}
    prose = compose.framing(entries, day, plan.listing_size, plan.categories, run.llm, run.settings)
    digest = Digest(
        date=day.isoformat(), title=compose.title_for(day, run.settings.digest.topic, len(entries)),
        dek=prose.dek, intro=prose.intro, entries=entries,
        mentions=[compose.Mention(arxiv_id=m, title=titles.get(m, m), note=plan.mention_notes.get(m, ""))
                  for m in plan.mentions if m not in plan.picks],
        quick_reference=[compose.quick_reference(e, c) for e, c in zip(entries, cards, strict=True)],
        closing=prose.closing, listing_size=plan.listing_size, categories=plan.categories,
        candidates=plan.candidates,
        notes=[f"{arxiv_id}: {why}" for arxiv_id, why in plan.failed.items()],
    )
    view = run.store.save_digest(day.isoformat(), digest.model_dump(mode="json"), PIPELINE_AUTHOR, 0,
                                 note=f"drafted from {len(entries)} card(s)", plan=plan.model_dump(mode="json"))
    run.progress(f"digest of {day} drafted: {len(entries)} entries, {len(digest.mentions)} mentions")
    return view


def run_to_end(run: Run, day: date, listing_file: Path | None = None) -> DigestView | None:
    """Step until the digest is drafted (or the day has none), sleeping between looks at the queue."""
    while True:
        status = step(run, day, listing_file)
        if status is Status.EMPTY:
            return None
        if status is Status.DRAFTED:
            return run.store.get_digest(day.isoformat())
        run.sleep(run.settings.digest.poll_s)
