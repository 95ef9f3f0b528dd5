"""Thin Celery tasks: a job id in, the stage's outcome in the store (RELIABILITY.md §2-§4).

A job runs as a chain fetch -> parse_index -> extract -> store of immutable signatures carrying only the
job id. Each task reads its input from durable places (the arXiv client's disk cache, Chroma, the job row),
so any of them can run again after a crash: late acks redeliver, and redelivery is harmless.

Tasks are shared (not bound to one app instance): each reads its Settings from the app that runs it, the
one `summarizer worker` made from its own settings (workers/celery_app.py).

Errors: a transient SummarizerError (UpstreamUnavailable) is recorded and retried with backoff; any other
SummarizerError fails the job for good and stops the chain (Ignore); a stage started too often (a worker
killed again and again) is failed as poison by the store.
"""

from __future__ import annotations

import base64
import json
import logging
import math
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import redis
from celery import Celery, Task, chain, shared_task
from celery.exceptions import Ignore, SoftTimeLimitExceeded, TimeLimitExceeded
from celery.signals import task_failure, worker_process_init, worker_process_shutdown
from sqlalchemy.exc import OperationalError

from summarizer import pipeline
from summarizer.card import Card
from summarizer.errors import JobNotFound, PoisonJob, SummarizerError, UpstreamUnavailable
from summarizer.ingest.arxiv import ArxivClient, RedisTurns
from summarizer.ingest.ids import ArxivId
from summarizer.jobs import FINISHED, JobState, Stage
from summarizer.model.connection import open_model
from summarizer.model.llm import LLM
from summarizer.model.server import LocalServer
from summarizer.retrieval.index import Index
from summarizer.service.store import JobView, Store
from summarizer.settings import Settings
from workers.celery_app import TASKS, SummarizerCelery, current_job

__all__ = ["enqueue", "extract", "fetch", "parse_index", "recover", "recover_task", "store"]

logger = logging.getLogger(__name__)

# One of each per worker process, made on first use (never in the parent before the pool forks).
_store: Store | None = None
_model: LLM | None = None
_server: LocalServer | None = None
_redis: redis.Redis | None = None
_arxiv: ArxivClient | None = None
_index: Index | None = None
_init_lock = threading.Lock()  # the threads pool may race to make them

# kombu's Redis transport: the hash of messages delivered to a worker and not yet acknowledged
_UNACKED = "unacked"
# Compare-and-delete: release the extract lock only if this delivery still owns it.
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"

# Transient: retried with backoff by Celery. A database that is briefly unreachable cannot record the
# error, so it is retried without being recorded.
RETRIED = (UpstreamUnavailable, OperationalError)
# the backoff, max_retries and time limits come from the running app's task_annotations, which Celery
# applies before it wraps the task for autoretry (workers/celery_app.py)
TASK_OPTIONS: dict[str, Any] = {"bind": True, "acks_late": True, "autoretry_for": RETRIED, "retry_jitter": True}


def settings_of(task: Task) -> Settings:
    """The settings of the app that runs the task."""
    app: SummarizerCelery = task.app
    return app.settings


def get_store(config: Settings) -> Store:
    """This process's Store (made from the first settings asked with: one app per worker process)."""
    global _store
    with _init_lock:
        if _store is None:
            _store = Store(config.database_url)
        return _store


def _get_model(config: Settings) -> LLM:
    """The configured endpoint, or one llama.cpp server per process, started on first use."""
    global _model, _server
    with _init_lock:
        if _model is None:
            _model, _server = open_model(config.llm, config.cache_dir)
        return _model


def _get_redis(config: Settings) -> redis.Redis:
    global _redis
    with _init_lock:
        if _redis is None:
            _redis = redis.Redis.from_url(config.redis_url, socket_timeout=10, socket_connect_timeout=10)
        return _redis


def _get_arxiv(config: Settings) -> ArxivClient:
    """This process's arXiv client (HTTP pool and disk cache), taking turns with every worker via Redis."""
    global _arxiv
    redis_client = _get_redis(config)
    with _init_lock:
        if _arxiv is None:
            # one request per interval for all workers together, not per process (arXiv's terms of use)
            _arxiv = ArxivClient(config.arxiv, config.cache_dir, turns=RedisTurns(redis_client))
        return _arxiv


def _get_index(config: Settings) -> Index:
    """This process's Chroma collection (a server client opens with several round trips: once is enough)."""
    global _index
    with _init_lock:
        if _index is None:
            _index = Index(config.index, config.chroma_path)
        return _index



@worker_process_init.connect
def _fresh_process_state(**_: Any) -> None:
    """Drop anything inherited from the parent: pooled connections must not be shared across a fork."""
    global _store, _redis, _model, _server, _arxiv, _index
    if _store is not None:
        _store.engine.dispose(close=False)
    _store, _redis, _model, _server, _arxiv, _index = None, None, None, None, None, None


@worker_process_shutdown.connect
def _stop_model(**_: Any) -> None:
    global _server, _arxiv
    if _server is not None:
        _server.stop()
        _server = None
    if _arxiv is not None:
        _arxiv.close()
        _arxiv = None


def record_hard_time_limit(store_: Store, task_name: str, job_id: int, limit_s: float | None) -> None:
    """Fail the job of a task killed at its hard time limit (its process is gone: it cannot say so itself).

    Celery acknowledges such a message and never redelivers it, so without this the job would stay
    "running" for ever. Permanent: the same paper would most likely run into the same limit again.
    """
    stage = TASKS.get(task_name)
    if stage is None:
        return
    seconds = f" of {limit_s:g} s" if limit_s else ""
    store_.fail(job_id, f"{stage}: killed at the hard time limit{seconds}", permanent=True)
    logger.error("%s killed at the hard time limit%s", stage, seconds, extra={"job_id": job_id})


@task_failure.connect
def _hard_time_limit(sender: Task | None = None, exception: BaseException | None = None,
                     args: tuple[Any, ...] | None = None, **_: Any) -> None:
    # sent by the worker's main process when it kills a pool process at the hard limit (celery 5.5+)
    if not isinstance(exception, TimeLimitExceeded) or sender is None or not args:
        return
    limit = exception.args[0] if exception.args and isinstance(exception.args[0], int | float) else None
    try:
        record_hard_time_limit(get_store(settings_of(sender)), sender.name, int(args[0]), limit)
    except Exception:  # never break the worker's own failure handling
        logger.exception("could not record the hard time limit of job %s", args[0])


# --- one stage, with the bookkeeping every stage shares ------------------------------------------------


def _run(task: Task, job_id: int, work: Callable[[JobView, Settings], dict[str, Any] | None],
         skip: Callable[[JobView], bool] | None = None) -> None:
    """Start the stage in the store, do the work, record its time, or record why it failed."""
    token = current_job.set(job_id)
    try:
        _run_stage(task, job_id, work, skip)
    finally:
        current_job.reset(token)


def _run_stage(task: Task, job_id: int, work: Callable[[JobView, Settings], dict[str, Any] | None],
               skip: Callable[[JobView], bool] | None) -> None:
    stage = TASKS[task.name]
    config = settings_of(task)
    store_ = get_store(config)
    log = {"job_id": job_id}
    try:
        job = store_.start_stage(job_id, stage, max_attempts=config.queue.max_attempts)
    except PoisonJob as exc:  # recorded by the store: the job is failed
        logger.error("%s", exc, extra=log)
        raise Ignore() from exc
    except JobNotFound as exc:
        logger.error("no job %s: %s task dropped", job_id, stage, extra=log)
        raise Ignore() from exc
    if job.state in FINISHED:
        # a redelivered or duplicate message: the job was finished by another delivery
        logger.info("job is already %s: %s skipped", job.state, stage, extra=log)
        raise Ignore()
    if skip is not None and skip(job):
        logger.info("%s already done for this job (redelivery): skipped", stage, extra=log)
        return
    started = time.perf_counter()
    retries = task.request.retries
    try:
        result = work(job, config)
    except SoftTimeLimitExceeded as exc:
        limit = task.soft_time_limit
        store_.fail(job_id, f"{stage}: took longer than {limit} s (soft time limit)", permanent=True)
        logger.error("%s exceeded its soft time limit of %s s", stage, limit, extra=log)
        raise Ignore() from exc
    except SummarizerError as exc:
        if exc.transient and retries < (task.max_retries or 0):
            note = f"{stage}: {exc} (retry {retries + 1} of {task.max_retries})"
            store_.fail(job_id, note, permanent=False)
            logger.warning("%s failed, will retry (%d of %s): %s", stage, retries + 1, task.max_retries, exc,
                           extra=log)
            raise  # autoretry_for: Celery re-sends the task (and the rest of its chain) with a countdown
        reason = f"{stage}: gave up after {retries} retries: {exc}" if exc.transient else f"{stage}: {exc}"
        store_.fail(job_id, reason, permanent=True)
        logger.error("job failed at %s: %s", stage, exc, extra=log)
        raise Ignore() from exc  # no retry, and the chain stops here
    except (Ignore, OperationalError):
        raise  # a stage stopping its chain on purpose; or the database, retried without a record
    except Exception as exc:  # a bug: record it so the job does not look alive, and let Celery log the trace
        store_.fail(job_id, f"{stage}: internal error: {type(exc).__name__}: {exc}", permanent=True)
        raise
    seconds = round(time.perf_counter() - started, 3)
    store_.finish_stage(job_id, stage, seconds, result=result)
    logger.info("%s done in %.2f s", stage, seconds, extra=log)


def _fetched(job: JobView, config: Settings) -> pipeline.Fetched:
    """The record and PDF of the job's paper: from arXiv the first time, from the disk cache after."""
    return pipeline.fetch_arxiv(ArxivId(job.arxiv_id, job.version), _get_arxiv(config))


def _fetch(job: JobView, config: Settings) -> None:
    fetched = _fetched(job, config)
    logger.info("fetched %s: %d bytes", fetched.name, len(fetched.pdf), extra={"job_id": job.id})


def _parse_index(job: JobView, config: Settings) -> None:
    doc, chunks = pipeline.parse_cached(_fetched(job, config), config)
    pipeline.index(doc, chunks, config, _get_index(config))  # chunk ids are content hashes: twice adds nothing
    logger.info("parsed %d pages into %d chunks", len(doc.pages), len(chunks), extra={"job_id": job.id})


def _extract(job: JobView, config: Settings) -> dict[str, Any]:
    started = time.perf_counter()
    fetched = _fetched(job, config)
    doc, chunks = pipeline.parse_cached(fetched, config)  # as the parse stage left it
    retriever = pipeline.index(doc, chunks, config, _get_index(config))  # a no-op unless the index lost the paper
    card = pipeline.extract_card(doc, chunks, fetched.record, retriever, _get_model(config), config)
    card.provenance.stage_seconds = {**job.timings, Stage.EXTRACT.value: round(time.perf_counter() - started, 3)}
    logger.info("card drafted: %d/%d numbers held", card.grounding.held, card.grounding.checked,
                extra={"job_id": job.id})
    return card.model_dump(mode="json")


def _store_card(job: JobView, config: Settings) -> None:
    if job.result is None:
        # only a job re-queued (force) while an older chain was still running gets here
        raise Ignore()
    view = get_store(config).store_card(job.id, Card.model_validate(job.result))  # same card again: no revision
    logger.info("stored card %s at revision %d", view.arxiv_id, view.revision, extra={"job_id": job.id})


# --- the tasks ------------------------------------------------------------------------------------------


@shared_task(name="summarizer.fetch", **TASK_OPTIONS)
def fetch(self: Task, job_id: int) -> None:
    """Download the record and PDF into the cache."""
    _run(self, job_id, _fetch)


@shared_task(name="summarizer.parse_index", **TASK_OPTIONS)
def parse_index(self: Task, job_id: int) -> None:
    """Parse the cached PDF and index its chunks in Chroma."""
    _run(self, job_id, _parse_index)


@shared_task(name="summarizer.extract", **TASK_OPTIONS)
def extract(self: Task, job_id: int) -> None:
    """Draft and ground the card with the model; store its JSON on the job."""
    # one extraction per job at a time (RELIABILITY §2): a recovered job may have two chains in flight.
    # The lock's owner is the task id, which a redelivered message keeps: a delivery whose worker died
    # takes its own lock back, while a second chain's copy drops out and leaves the job to the owner
    key, owner = f"summarizer:extract-lock:{job_id}", str(self.request.id)
    config = settings_of(self)
    ttl = math.ceil(self.time_limit or config.queue.extract_time_limit_s)
    try:
        client = _get_redis(config)
        if not client.set(key, owner, nx=True, ex=ttl):
            held = client.get(key)
            holder = held.decode() if isinstance(held, bytes) else held
            if holder is not None and holder != owner:
                logger.info("another delivery (%s) is extracting this job: dropped", holder,
                            extra={"job_id": job_id})
                raise Ignore()
            client.set(key, owner, ex=ttl)
    except redis.RedisError as exc:
        raise UpstreamUnavailable(f"Redis (extract lock): {exc}") from exc
    try:
        _run(self, job_id, _extract, skip=lambda job: job.result is not None)
    finally:
        try:
            client.eval(_RELEASE, 1, key, owner)
        except redis.RedisError:
            pass  # the lock expires on its own


@shared_task(name="summarizer.store", **TASK_OPTIONS)
def store(self: Task, job_id: int) -> None:
    """Store the job's card as a revision and mark the job done."""
    _run(self, job_id, _store_card)


@shared_task(name="summarizer.recover", bind=True, acks_late=True)
def recover_task(self: Task, older_than_s: float | None = None, running: bool = False) -> list[int]:
    """Re-send queued jobs whose message may be lost (for beat, or `celery call summarizer.recover`)."""
    return recover(self.app, older_than_s, running=running, store=get_store(settings_of(self)))


# --- sending --------------------------------------------------------------------------------------------


def _chain(job_id: int, celery: Celery) -> chain:
    # signatures by name: the sender needs neither the task functions nor the worker's settings
    steps = [celery.signature(name, args=(job_id,), immutable=True) for name in TASKS]
    return chain(*steps, app=celery)


def enqueue(job_ids: Iterable[int], celery: Celery) -> None:
    """Send each job's chain; call after the jobs' transaction committed. Raises if the broker refuses."""
    ids = list(job_ids)
    with celery.producer_or_acquire() as producer:
        for job_id in ids:
            _chain(job_id, celery).apply_async(producer=producer)  # the caller logs what it sent


def recover(celery: SummarizerCelery, older_than_s: float | None = None, *, running: bool = False,
            store: Store | None = None) -> list[int]:
    """Re-send jobs whose message is gone (Redis restarted or flushed); return their ids.

    Queued jobs not updated for `older_than_s` (default settings.queue.recover_after_s; 0: all of them),
    and with `running=True` running jobs too (for a restart of every worker: their stage messages went
    with Redis); of those, only the ones with no message left in Redis, so nothing is sent twice.
    """
    config = celery.settings
    threshold = config.queue.recover_after_s if older_than_s is None else older_than_s
    own = store is None
    db = Store(config.database_url) if store is None else store
    try:
        states = (JobState.QUEUED, JobState.RUNNING) if running else (JobState.QUEUED,)
        now = time.time()
        candidates = [job.id for state in states for job in _all_jobs(db, state)
                      if now - job.updated_at.timestamp() >= threshold]
    finally:
        if own:
            db.close()  # recover may run in the worker's parent process: no connections across the fork
    alive = jobs_with_a_message(config) if candidates else set()
    stale = [job_id for job_id in candidates if job_id not in alive]
    if stale:
        enqueue(stale, celery)
        logger.warning("re-sent %d job(s) that may have lost their message: %s", len(stale), stale[:20])
    return stale


def jobs_with_a_message(config: Settings) -> set[int]:
    """The jobs that have a stage message in Redis: waiting in a queue, or delivered and not acknowledged.

    kombu keeps a Redis list per queue and priority step ("io", "io\x06\x163", ...) and the messages that
    workers hold (running, or waiting for a retry's countdown) in the hash "unacked", from which they come
    back on their own if the worker dies. A job with a message in either place is not lost.
    """
    client = redis.Redis.from_url(config.redis_url, socket_timeout=10, socket_connect_timeout=10)
    try:
        raw: list[bytes | str] = []
        for queue in (config.queue.io_queue, config.queue.llm_queue):
            for key in client.scan_iter(f"{queue}*"):
                if client.type(key) == b"list":
                    raw += client.lrange(key, 0, -1)
        raw += client.hvals(_UNACKED)
    finally:
        client.close()
    return {job_id for job_id in map(_job_of, raw) if job_id is not None}


def _job_of(raw: bytes | str) -> int | None:
    """The job id a stage message carries (None for other messages, or one that cannot be read)."""
    try:
        message = json.loads(raw)
        if isinstance(message, list):  # an unacked entry: [message, exchange, routing key]
            message = message[0]
        if message["headers"].get("task") not in TASKS:
            return None
        body = message["body"]
        if message.get("properties", {}).get("body_encoding") == "base64":
            body = base64.b64decode(body)
        args = json.loads(body)[0]
        return int(args[0])
    except (ValueError, KeyError, TypeError, IndexError, AttributeError):
        return None


def _all_jobs(db: Store, state: JobState, page: int = 500) -> list[JobView]:
    jobs: list[JobView] = []
    while True:
        batch = db.list_jobs(state, limit=page, offset=len(jobs))
        jobs += batch
        if len(batch) < page:
            return jobs
