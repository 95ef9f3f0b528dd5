"""The `summarizer` command: a thin layer over the library (stderr for progress, stdout for the card)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path

import typer
from kombu.exceptions import OperationalError as BrokerUnavailable
from redis.exceptions import ConnectionError as RedisUnavailable
from redis.exceptions import TimeoutError as RedisTimeout
from sqlalchemy.exc import OperationalError as DatabaseUnavailable

from summarizer import render
from summarizer.digest import compose
from summarizer.digest.selection import Selection
from summarizer.errors import BadInput, JobNotFound, JobNotRetryable, SummarizerError, UpstreamUnavailable
from summarizer.jobs import JobState, Stage
from summarizer.retrieval import chroma_server
from summarizer.service.accounts import CredentialKind, Role, check_name, digest, hash_password, new_token
from summarizer.service.intake import Intake, Submission, read_id_file, read_ids
from summarizer.service.store import JobView, Store
from summarizer.settings import FLAT_ENV, PRESETS, load

SETTINGS_HELP = f"""
Settings come from environment variables (prefix SUMMARIZER_, nested with __) or a preset
(--preset, or SUMMARIZER_PRESET: {", ".join(PRESETS)}).

Common ones: {", ".join(FLAT_ENV)};
SUMMARIZER_DATA_DIR (cache, Chroma, assembled models; default ~/.cache/summarizer);
SUMMARIZER_LLM__GGUF (a packaged model name or your own .gguf path);
SUMMARIZER_ARXIV__MIN_INTERVAL_S; SUMMARIZER_ARXIV__MAX_PDF_BYTES.

With no SUMMARIZER_LLM_BASE_URL the packaged model runs locally behind llama.cpp's server.
Exit codes: 0 ok; 1 a job or card error (no such job, poison, conflict); 2 bad input (id, PDF, file,
settings); 4 a service unavailable (arXiv, model endpoint, database, queue: retry later); 5 the model
gave no valid answer.
"""

app = typer.Typer(help="Turn arXiv papers into grounded editorial cards.", epilog=SETTINGS_HELP,
                  no_args_is_help=True, add_completion=False)


class Format(StrEnum):
    json = "json"
    md = "md"


class Pool(StrEnum):
    prefork = "prefork"
    solo = "solo"
    threads = "threads"


SERVICE_UNAVAILABLE = UpstreamUnavailable.exit_code


@contextmanager
def user_errors() -> Iterator[None]:
    """The one place an error becomes a line on stderr and an exit code; a traceback means a bug.

    Our own errors carry their exit code (summarizer.errors); a database or queue that cannot be reached
    is a service unavailable. Anything else is not caught here: it is a bug, and its trace is the report.
    """
    try:
        yield
    except SummarizerError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None
    except DatabaseUnavailable as exc:
        reason = " ".join(str(exc.orig).split())  # drivers answer in several lines: one line here
        typer.echo(f"error: the database is unavailable (SUMMARIZER_DATABASE_URL): {reason}", err=True)
        raise typer.Exit(SERVICE_UNAVAILABLE) from None
    except (BrokerUnavailable, RedisUnavailable, RedisTimeout) as exc:
        typer.echo(f"error: the queue's Redis is unavailable (SUMMARIZER_REDIS_URL): {exc}", err=True)
        raise typer.Exit(SERVICE_UNAVAILABLE) from None


def _progress(stage: str, detail: str) -> None:
    typer.echo(f"[{stage}] {detail}", err=True)


@app.callback()
def main(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log details to stderr.")) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@app.command(epilog=SETTINGS_HELP)
def summarize(
    source: str = typer.Argument(..., help="arXiv id (2501.12948, 2501.12948v2, hep-th/9901001), arXiv URL, or a PDF path."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write the card here (JSON, plus a .md beside it)."),
    fmt: Format = typer.Option(Format.md, "--format", "-f", help="What to print on stdout."),
    preset: str | None = typer.Option(None, "--preset", help=f"Settings preset: {', '.join(PRESETS)}."),
) -> None:
    """Summarize one paper into a card: every number checked against the PDF."""
    from summarizer import pipeline  # the parser, index and model client: only this command needs them

    with user_errors():
        settings = load(preset)
        card = pipeline.summarize(source, settings, progress=_progress)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        json_path = out if out.suffix == ".json" else out.with_suffix(".json")
        json_path.write_text(render.json_text(card), "utf-8")
        json_path.with_suffix(".md").write_text(render.markdown(card), "utf-8")
        typer.echo(f"[done] wrote {json_path} and {json_path.with_suffix('.md')}", err=True)
    g = card.grounding
    typer.echo(f"[done] {g.held}/{g.checked} numbers held; {len(card.grounding.flagged)} flagged", err=True)
    typer.echo(render.json_text(card) if fmt is Format.json else render.markdown(card), nl=False)


eval_app = typer.Typer(help="Score cards against hand-written references (see eval/README.md).",
                       no_args_is_help=True)
app.add_typer(eval_app, name="eval")


@eval_app.command("run")
def eval_run(
    refs: Path = typer.Option(..., help="Folder of references (reference cards, digests, abstracts), searched recursively."),
    pdfs: Path | None = typer.Option(None, help="Folder with the PDFs the reference cards name (source_pdf)."),
    cards: Path | None = typer.Option(None, help="Score existing cards (<pdf stem>.json) instead of generating."),
    out: Path = typer.Option(Path("eval/results/latest"), help="Where to write result.json, report.md, report.html."),
    systems: str = typer.Option("pipeline,baseline", help="pipeline, baseline (whole paper in one prompt), or both."),
    tiers: str = typer.Option("full,abstract", help="full (PDF cards vs reference cards), abstract (vs digests), digest (picks vs digests)."),
    distractors: Path = typer.Option(Path("eval/listing_distractors.json"), help="The digest tier's other papers of the day."),
    only: str | None = typer.Option(None, help="Comma-separated PDF stems, arXiv ids or digest file names to evaluate."),
    preset: str | None = typer.Option(None, help=f"Settings preset: {', '.join(PRESETS)}."),
    note: str | None = typer.Option(None, help="A note recorded in the report."),
) -> None:
    """Generate cards with the real pipeline (and the baseline) and score every field."""
    from summarizer.evaluation import harness, report

    with user_errors():
        settings = load(preset)
        if settings.extract.fence_seed is None:  # a measurement must be reproducible: fixed prompt fences
            settings = load(preset, extract={"fence_seed": 0})
        references = harness.load_references(refs)
        result = harness.run(
            references, settings, pdfs=pdfs, cards=cards, systems=systems.split(","), tiers=tiers.split(","),
            only=set(only.split(",")) if only else None, note=note, save_cards=None if cards else out / "cards",
            distractors=distractors,
            progress=lambda message: typer.echo(f"[eval] {message}", err=True),
        )
    written = report.write_reports(result, out)
    for kind, path in written.items():
        typer.echo(f"[done] {kind}: {path}", err=True)
    typer.echo(written["markdown"].read_text("utf-8"), nl=False)
    if result["errors"]:
        raise typer.Exit(1)


@eval_app.command("export")
def eval_export(
    folder: Path = typer.Argument(..., help="Where to write one reference card (<arxiv id>.json) per paper."),
    approved: bool = typer.Option(False, "--approved", help="Export the cards editors approved (required)."),
) -> None:
    """Write editors' approved cards as reference cards, to score new drafts against (eval run --refs FOLDER)."""
    from summarizer.evaluation.export import write_references

    if not approved:
        raise typer.BadParameter("only approved cards are references: pass --approved", param_hint="--approved")
    with user_errors(), Store(load().database_url) as store:  # a settings error is one line too
        cards = [(arxiv_id, revision.card) for arxiv_id, revision in store.approved_cards()]
        written = write_references(cards, folder)
    typer.echo(f"[done] {len(written)} approved card(s) written to {folder}", err=True)


@eval_app.command("compare")
def eval_compare(a: Path = typer.Argument(..., help="result.json of the earlier run"),
                 b: Path = typer.Argument(..., help="result.json of the later run")) -> None:
    """What got better or worse between two eval runs, per paper."""
    import json

    from summarizer.evaluation import report

    runs = [json.loads(p.read_text("utf-8")) for p in (a, b)]
    typer.echo(report.compare(runs[0], runs[1]), nl=False)


# --- the job queue: submit, jobs, api (summarizer.service.intake, summarizer.service.api) -----------------


def _submission_line(result: Submission) -> str:
    """One `summarizer submit` line: job id, state, created/existing, id; or the id's error."""
    if result.job is None:
        return f"{'-':>7}  {'-':<8} error: {result.error}"
    status = "created" if result.created else "existing"
    return f"{result.job.id:>7}  {result.job.state:<8} {status:<8} {result.arxiv_id}"


def _jobs_table(jobs: list[JobView]) -> str:
    """Jobs as an aligned text table: ids, state, attempts, last error, seconds per stage and in total."""
    def seconds(value: float | None) -> str:
        return "-" if value is None else f"{value:.1f}s"

    header = ["ID", "ARXIV", "STATE", "STAGE", "ATTEMPTS", *(s.upper() for s in Stage), "TOTAL", "LAST ERROR"]
    rows = [header]
    for job in jobs:
        error = " ".join((job.error or "").split())  # one line, whatever the error text held
        rows.append([
            str(job.id), job.arxiv_id + (f"v{job.version}" if job.version else ""), job.state, job.stage or "-",
            str(job.attempts), *(seconds(job.timings.get(s)) for s in Stage),
            seconds(sum(job.timings.values()) if job.timings else None),
            error if len(error) <= 60 else error[:59] + "…",
        ])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1]
        for row in rows
    ).rstrip() + "\n"


@app.command(epilog=SETTINGS_HELP)
def submit(
    arxiv_ids: list[str] = typer.Argument(None, metavar="ID...", help="arXiv ids or arxiv.org URLs."),
    files: list[Path] = typer.Option([], "--file", help="A file of ids or URLs (- for stdin); # starts a comment."),
    force: bool = typer.Option(False, "--force", help="Queue again even when a job for the id is done."),
    preset: str | None = typer.Option(None, "--preset", help=f"Settings preset: {', '.join(PRESETS)}."),
) -> None:
    """Queue papers for the workers: one line per id (job, state, created/existing); exit 2 if any id is invalid."""
    texts = list(arxiv_ids or [])
    with user_errors():
        for file in files:
            texts += read_ids(sys.stdin.read()) if str(file) == "-" else read_id_file(file)
        if not texts:
            raise BadInput("no ids given (pass IDs or --file)")
        settings = load(preset)
        with Store(settings.database_url) as store:
            store.migrate()
            results = Intake(store, settings).submit(texts, force=force)
    for result in results:
        typer.echo(_submission_line(result))
    created = sum(r.created for r in results)
    invalid = sum(r.error is not None for r in results)
    typer.echo(f"[done] {created} queued, {len(results) - created - invalid} existing, {invalid} invalid", err=True)
    if invalid:
        raise typer.Exit(2)


@app.command(epilog=SETTINGS_HELP)
def jobs(
    job_id: int | None = typer.Argument(None, help="Show this job only, with its full error."),
    state: JobState | None = typer.Option(None, "--state", help="Only jobs in this state."),
    limit: int = typer.Option(20, "--limit", "-n", min=1, help="How many jobs, newest first."),
    preset: str | None = typer.Option(None, "--preset", help=f"Settings preset: {', '.join(PRESETS)}."),
) -> None:
    """List jobs newest first: state, stage, attempts, last error, seconds per stage and in total."""
    with user_errors():
        settings = load(preset)
        with Store(settings.database_url) as store:
            store.migrate()
            if job_id is None:
                found = store.list_jobs(state, limit)
            else:
                job = store.get_job(job_id)
                if job is None:
                    raise JobNotFound(job_id)
                found = [job]
    if not found:
        typer.echo("no jobs", err=True)
        return
    typer.echo(_jobs_table(found), nl=False)
    if job_id is not None:
        job = found[0]
        times = {"created": job.created_at, "started": job.started_at, "finished": job.finished_at}
        typer.echo(f"key: {job.key}")
        stamps = (f"{name}: {t:%Y-%m-%d %H:%M:%S} UTC" if t else f"{name}: -" for name, t in times.items())
        typer.echo("  ".join(stamps))
        if job.error:
            typer.echo(f"error ({'permanent' if job.error_permanent else 'transient'}): {job.error}")


@app.command(epilog=SETTINGS_HELP)
def retry(
    job_ids: list[int] = typer.Argument(None, metavar="JOB_ID...", help="Failed jobs to queue again."),
    failed: bool = typer.Option(False, "--failed", help="Every failed job (newest first, up to --limit)."),
    matching: str | None = typer.Option(None, "--matching", help="With --failed: only jobs whose error contains this."),
    limit: int = typer.Option(1000, "--limit", "-n", min=1, help="With --failed: at most this many."),
    preset: str | None = typer.Option(None, "--preset", help=f"Settings preset: {', '.join(PRESETS)}."),
) -> None:
    """Queue failed jobs again, one line each; exit 1 if one could not be (not failed, or no such job)."""
    with user_errors():
        if not job_ids and not failed:
            raise BadInput("name the jobs to retry, or pass --failed")
        settings = load(preset)
        with Store(settings.database_url) as store:
            store.migrate()
            chosen = list(job_ids or [])
            if failed:
                chosen += [job.id for job in store.list_jobs(JobState.FAILED, limit)
                           if matching is None or matching in (job.error or "")]
            intake, refused = Intake(store, settings), 0
            for job_id in dict.fromkeys(chosen):
                try:
                    job = intake.retry(job_id)
                    typer.echo(f"{job.id:>7}  {job.state:<8} {job.arxiv_id}")
                except (JobNotFound, JobNotRetryable) as error:
                    refused += 1
                    typer.echo(f"{job_id:>7}  error: {error}")
    typer.echo(f"[done] {len(chosen) - refused} queued again, {refused} refused", err=True)
    if refused:
        raise typer.Exit(1)


@app.command(epilog=SETTINGS_HELP)
def recover(
    older_than: float | None = typer.Option(
        None, "--older-than", min=0, help="Seconds a job has not moved (default SUMMARIZER_QUEUE__RECOVER_AFTER_S)."),
    preset: str | None = typer.Option(None, "--preset", help=f"Settings preset: {', '.join(PRESETS)}."),
) -> None:
    """Re-send the queued or running jobs whose message Redis no longer has (what beat's sweeper does)."""
    from workers import tasks
    from workers.celery_app import make_app

    with user_errors():
        settings = load(preset)
        with Store(settings.database_url) as store:
            store.migrate()
            resent = tasks.recover(make_app(settings), older_than, store=store)
    for job_id in resent:
        typer.echo(f"{job_id:>7}  re-sent")
    typer.echo(f"[recover] re-sent {len(resent)} job(s)", err=True)


@app.command(epilog=SETTINGS_HELP)
def api(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on (0.0.0.0 exposes it)."),
    port: int = typer.Option(8000, "--port", help="TCP port."),
    forwarded_allow_ips: str = typer.Option(
        "127.0.0.1,::1", "--forwarded-allow-ips",
        help="The TLS proxy in front: addresses or networks (comma-separated), or '*' when nothing else can "
             "reach the port. Their X-Forwarded-Proto and X-Forwarded-For are believed: HTTPS marks cookies "
             "Secure, and the sign-in limit counts the client's address, not the proxy's."),
    preset: str | None = typer.Option(None, "--preset", help=f"Settings preset: {', '.join(PRESETS)}."),
) -> None:
    """Serve the JSON API with uvicorn (OpenAPI docs at /docs); migrates the database at startup."""
    import uvicorn

    from summarizer.service.api import create_app

    with user_errors():
        served = create_app(load(preset))  # a bad rate-limit storage is a settings error too: one line
    uvicorn.run(served, host=host, port=port, proxy_headers=True, forwarded_allow_ips=forwarded_allow_ips)


# --- the nightly digest (summarizer/digest) -------------------------------------------------------------


def _ranking_table(selection: Selection) -> str:
    """The dry run's answer: every eligible candidate (and the best of the rest), with why it ranks there."""
    lines = [f"{'RANK':<5}{'ARXIV':<12}{'SCORE':>6} {'MERIT':>5}  ROLE      TITLE / REASON"]
    roles = {id(c): "pick" for c in selection.picks} | {id(c): "mention" for c in selection.mentions}
    for number, c in enumerate(selection.ranked[:len(selection.picks) + len(selection.mentions) + 10], 1):
        merit = "-" if c.merit is None else str(c.merit)
        lines.append(f"{number:<5}{c.entry.arxiv_id:<12}{c.first_pass:>6.2f} {merit:>5}  "
                     f"{roles.get(id(c), '-'):<9} {c.entry.title[:90]}")
        lines.append(f"{'':<31}{c.reason[:160]}")
    return "\n".join(lines) + "\n"


@app.command("digest", epilog=SETTINGS_HELP)
def digest_command(
    day: str | None = typer.Option(None, "--date", help="The day (YYYY-MM-DD); default: today in SUMMARIZER_DIGEST__TIMEZONE."),
    listing_file: Path | None = typer.Option(None, "--listing", help="A saved arXiv RSS feed instead of today's."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Rank the listing (the model judges the top ones) and print the picks; queue nothing, draft no digest."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Also write the digest's Markdown here."),
    preset: str | None = typer.Option(None, "--preset", help=f"Settings preset: {', '.join(PRESETS)}."),
) -> None:
    """Draft the day's digest: rank the listing, summarize the picks on the queue (workers must run), assemble.

    Running it again for the same day gives the same digest, never a second one. Progress goes to stderr,
    the digest's Markdown to stdout.
    """
    from datetime import date

    import redis

    from summarizer.ingest.arxiv import ArxivClient, RedisTurns
    from summarizer.model.connection import connect
    from summarizer.model.embeddings import get_embedder
    from summarizer.service import nightly

    with user_errors():
        settings = load(preset)
        try:
            the_day = date.fromisoformat(day) if day else nightly.today(settings)
        except ValueError:
            raise BadInput(f"--date {day!r} is not a date (YYYY-MM-DD)") from None
        # the workers' shared politeness limit (one arXiv request per interval for all of them), except in a
        # dry run, which may run where there is no Redis
        turns = None if dry_run else RedisTurns(redis.Redis.from_url(settings.redis_url, socket_timeout=10))
        with Store(settings.database_url) as store, ArxivClient(settings.arxiv, settings.cache_dir, turns) as arxiv, \
                connect(settings.llm, settings.cache_dir) as llm:
            store.migrate()
            run = nightly.Run(settings=settings, store=store, arxiv=arxiv, embed=get_embedder().embed, llm=llm,
                              intake=Intake(store, settings), progress=lambda message: _progress("digest", message))
            if dry_run:
                found = nightly.read_listing(run, the_day, listing_file)
                typer.echo(_ranking_table(nightly.choose(run, the_day, found)), nl=False)
                return
            view = nightly.run_to_end(run, the_day, listing_file)
    if view is None or view.digest is None:
        typer.echo(f"[done] no digest for {the_day}", err=True)
        return
    text = compose.markdown(view.digest)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, "utf-8")
        typer.echo(f"[done] wrote {out}", err=True)
    typer.echo(f"[done] digest of {the_day} at revision {view.revision} ({view.review.state})", err=True)
    typer.echo(text, nl=False)


# --- the queue worker (workers/) -------------------------------------------------------------------------


@app.command(epilog=SETTINGS_HELP)
def worker(
    queues: str | None = typer.Option(None, "--queues", "-Q", help="Queues, e.g. io,llm (default: both)."),
    concurrency: int | None = typer.Option(
        None, "--concurrency", "-c", min=1,
        help="Worker processes (default: SUMMARIZER_QUEUE__IO_CONCURRENCY and/or __LLM_CONCURRENCY)."),
    pool: Pool = typer.Option(Pool.prefork, "--pool", "-P", help="solo and threads have no time limits."),
    recover: bool = typer.Option(
        False, "--recover", help="First re-send the queued or running jobs that have no message left in Redis."),
    hostname: str | None = typer.Option(None, "--hostname", "-n", help="Node name, e.g. llm1@%h."),
    loglevel: str = typer.Option("INFO", "--loglevel", "-l", help="DEBUG, INFO, WARNING or ERROR."),
    preset: str | None = typer.Option(None, "--preset", help=f"Settings preset: {', '.join(PRESETS)}."),
) -> None:
    """Run a Celery worker for the job queues (monitor: celery -A workers.celery_app flower)."""
    from workers import tasks
    from workers.celery_app import make_app

    with user_errors():
        settings = load(preset)
        if not settings.index.chroma_url:
            # Chroma's embedded store is not safe across processes: every worker on this machine joins
            # one local Chroma server on the data directory (started by the first)
            url = chroma_server.ensure(settings.data_dir)
            settings = settings.model_copy(update={"index": settings.index.model_copy(update={"chroma_url": url})})
            typer.echo(f"[worker] local Chroma server at {url} (stop it with: summarizer chroma stop)", err=True)
    celery = make_app(settings)
    q = settings.queue
    names = [name.strip() for name in (queues or f"{q.io_queue},{q.llm_queue}").split(",") if name.strip()]
    if concurrency is None:  # one llm process per model server; io processes as configured
        concurrency = (q.io_concurrency if q.io_queue in names else 0) + (
            q.llm_concurrency if q.llm_queue in names else 0) or 1
    with user_errors(), Store(settings.database_url) as store:
        store.migrate()  # a worker may start before anything else has touched a new database
        if recover:
            resent = tasks.recover(celery, 0, store=store)
            typer.echo(f"[recover] re-sent {len(resent)} job(s)", err=True)
    argv = ["worker", "-Q", ",".join(names), "-c", str(concurrency), "-P", pool.value, "-l", loglevel]
    celery.worker_main(argv + (["-n", hostname] if hostname else []))


@app.command()
def healthcheck(
    url: str | None = typer.Argument(None, help="GET this URL: healthy if it answers below 400."),
    file: Path | None = typer.Option(None, "--file", help="Instead: healthy if this file changed lately."),
    max_age: float = typer.Option(300.0, "--max-age", help="Seconds, with --file."),
    timeout: float = typer.Option(5.0, "--timeout", help="Seconds, with a URL."),
) -> None:
    """Exit 0 if healthy, else 1 with the reason (the compose stack's health checks)."""
    from summarizer.service.healthcheck import check_file, check_url

    if url is not None and file is None:
        problem = check_url(url, timeout)
    elif file is not None and url is None:
        problem = check_file(file, max_age)
    else:
        raise typer.BadParameter("give a URL or --file")
    typer.echo(problem or "healthy")
    if problem:
        raise typer.Exit(1)


chroma_app = typer.Typer(help="The local Chroma server the workers share when no SUMMARIZER_CHROMA_URL is set.",
                         no_args_is_help=True)
app.add_typer(chroma_app, name="chroma")


@chroma_app.command("status")
def chroma_status(
    preset: str | None = typer.Option(None, "--preset", help=f"Settings preset: {', '.join(PRESETS)}."),
) -> None:
    """Say whether the data directory's local Chroma server runs, and where."""
    with user_errors():
        settings = load(preset)
    record = chroma_server.running(settings.data_dir)
    typer.echo(f"running at {record.url} (pid {record.pid})" if record else "not running")


@chroma_app.command("stop")
def chroma_stop(
    preset: str | None = typer.Option(None, "--preset", help=f"Settings preset: {', '.join(PRESETS)}."),
) -> None:
    """Stop the data directory's local Chroma server (the next worker starts it again)."""
    with user_errors():
        settings = load(preset)
        record = chroma_server.stop(settings.data_dir)
    typer.echo(f"stopped the server at {record.url} (pid {record.pid})" if record else "not running", err=True)


# --- accounts --------------------------------------------------------------------------------------------

users_app = typer.Typer(help="Who may sign in to the workspace and call the API.", no_args_is_help=True,
                        epilog=SETTINGS_HELP)
app.add_typer(users_app, name="users")
PRESET_OPTION_HELP = f"Settings preset: {', '.join(PRESETS)}."


def _new_password(from_stdin: bool) -> str:
    """The password from stdin's first line, or asked twice at a hidden prompt."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@contextmanager
def _store(preset: str | None) -> Iterator[Store]:
    settings = load(preset)
    with Store(settings.database_url) as store:
        store.migrate()
        yield store


@users_app.command("add")
def users_add(
    name: str = typer.Argument(..., help="User name: letters, digits, '.', '_' or '-'."),
    role: Role = typer.Option(Role.EDITOR, "--role", help="editor: edit and approve; admin: also force re-runs."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from stdin."),
    preset: str | None = typer.Option(None, "--preset", help=PRESET_OPTION_HELP),
) -> None:
    """Create a user; asks for the password (at least 12 characters) twice."""
    with user_errors():
        check_name(name)
        password_hash = hash_password(_new_password(password_stdin))
        with _store(preset) as store:
            user = store.add_user(name, password_hash, role)
    typer.echo(f"added {user.name} ({user.role})", err=True)


@users_app.command("password")
def users_password(
    name: str = typer.Argument(..., help="User name."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from stdin."),
    preset: str | None = typer.Option(None, "--preset", help=PRESET_OPTION_HELP),
) -> None:
    """Set a new password; the user's browser sessions end (API tokens stay)."""
    with user_errors():
        password_hash = hash_password(_new_password(password_stdin))
        with _store(preset) as store:
            store.set_password(name, password_hash)
    typer.echo(f"new password for {name}; their sessions were ended", err=True)


@users_app.command("token")
def users_token(
    name: str = typer.Argument(..., help="User name."),
    revoke: bool = typer.Option(False, "--revoke", help="Revoke every API token of the user instead."),
    preset: str | None = typer.Option(None, "--preset", help=PRESET_OPTION_HELP),
) -> None:
    """Print a new API token (shown once; send it as 'Authorization: Bearer <token>')."""
    with user_errors(), _store(preset) as store:
        if revoke:
            typer.echo(f"revoked {store.revoke_tokens(name)} token(s) of {name}", err=True)
            return
        token = new_token()
        store.add_credential(name, CredentialKind.API, digest(token))
    typer.echo(token)
    typer.echo(f"[token] a new API token for {name}; store it now, it is not shown again", err=True)


@users_app.command("list")
def users_list(preset: str | None = typer.Option(None, "--preset", help=PRESET_OPTION_HELP)) -> None:
    """Every user with their role."""
    with user_errors(), _store(preset) as store:
        found = store.users()
    for user in found:
        typer.echo(f"{user.name}\t{user.role}\t{user.created_at:%Y-%m-%d}")
    if not found:
        typer.echo("no users: add one with `summarizer users add NAME`", err=True)


@users_app.command("remove")
def users_remove(
    name: str = typer.Argument(..., help="User name."),
    preset: str | None = typer.Option(None, "--preset", help=PRESET_OPTION_HELP),
) -> None:
    """Delete a user with their sessions and tokens (their revisions keep their name)."""
    with user_errors(), _store(preset) as store:
        store.remove_user(name)
    typer.echo(f"removed {name}", err=True)


if __name__ == "__main__":
    app()
