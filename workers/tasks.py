"""Thin Celery tasks: a job id in, the stage's outcome in the store (RELIABILITY.md §2-§4).

A job runs as a chain fetch -> parse_index -> extract -> store of immutable signatures carrying only the
job id. Each task reads its input from durable places (the arXiv client's disk cache, Chroma, the job row),
so any of them can run again after a crash: late acks redeliver, and redelivery is harmless.

Every delivery first takes the job's lock (workers/liveness.py: a live delivery of the same job makes a
second one drop out), then asks the store what it is (Store.start_stage): the chain's next stage, a retry,
a redelivery after a crash (the poison guard counts these), or a duplicate (skipped, never counted).

Tasks are shared (not bound to one app instance): each reads its Settings from the app that runs it, the
one `summarizer worker` made from its own settings (workers/celery_app.py).

Errors: a transient SummarizerError (UpstreamUnavailable) is recorded and retried with capped backoff for
as long as an outage may last (the model endpoint longer, and its outage pauses the llm queue: see
workers/consumer_steps.py); the database or Redis away is retried the same way without a record; any other
SummarizerError fails the job for good and stops the chain (Ignore); a stage whose worker keeps dying is
failed as poison by the store.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any, NoReturn

import redis
from celery import Celery, Task, chain, shared_task
from celery.exceptions import Ignore, SoftTimeLimitExceeded, TimeLimitExceeded
from celery.signals import task_failure, worker_process_init, worker_process_shutdown
from sqlalchemy.exc import OperationalError

from summarizer import pipeline
from summarizer.card import Card
from summarizer.errors import (
    EndpointUnavailable,
    JobNotFound,
    PoisonJob,
    SummarizerError,
    UpstreamUnavailable,
)
from summarizer.ingest.arxiv import ArxivClient, RedisTurns
from summarizer.ingest.ids import ArxivId
from summarizer.jobs import Delivery, JobState, Stage
from summarizer.model.connection import open_model
from summarizer.model.embeddings import get_embedder
from summarizer.model.llm import LLM
from summarizer.model.server import LocalServer
from summarizer.retrieval.index import Index
from summarizer.service import nightly
from summarizer.service.intake import Intake
from summarizer.service.store import JobView, Store
from summarizer.settings import Settings, masked_url
from workers.celery_app import TASKS, SummarizerCelery, current_job
from workers.consumer_steps import MODEL_DOWN_KEY, mark_model_down
from workers.liveness import JobLock, backoff

__all__ = ["digest", "enqueue", "extract", "fetch", "parse_index", "recover", "recover_task", "store"]

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
# the sweeper's second look at Redis, this long after the first
SECOND_LOOK_S = 1.0

# retries are the stage runner's (_retry: capped backoff until an outage's length is waited out, so no
# count limit; each retry carries `waiting_since`); time limits come from the running app's
# task_annotations (workers/celery_app.py)
TASK_OPTIONS: dict[str, Any] = {"bind": True, "acks_late": True, "max_retries": None}


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
            # no retries inside the client: the queue owns them (a hung endpoint costs one timeout)
            _model, _server = open_model(config.llm.model_copy(update={"max_retries": 0}), config.cache_dir)
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
    """Run one stage of the job under its lock; wait out the database or Redis being away."""
    token = current_job.set(job_id)
    config = settings_of(task)
    started = time.monotonic()  # Celery's time limits count from about here
    try:
        with JobLock(_get_redis(config), job_id, ttl_s=config.queue.job_lock_ttl_s,
                     heartbeat_s=config.queue.heartbeat_s) as lock:
            if not lock.acquire():
                # a duplicate message (e.g. put back after an outage) of a job a live delivery runs:
                # dropped without a trace in the job, which that delivery finishes
                logger.info("%s: another live delivery works on this job: duplicate dropped",
                            TASKS[task.name], extra={"job_id": job_id})
                raise Ignore()
            _run_stage(task, job_id, work, skip, started)
    except (OperationalError, redis.RedisError) as exc:
        # the database or Redis is away: the job cannot even record it; retried with backoff for as long
        # as an outage may last (queue.outage_s)
        _retry(task, exc, config.queue.outage_s)
    finally:
        current_job.reset(token)


def _retry(task: Task, exc: BaseException, outage_s: int, store_: Store | None = None) -> NoReturn:
    """Retry the task with capped backoff until it has waited `outage_s` in all; then fail the job for good.

    The wait is counted from the first failure (carried by the retries as `waiting_since`). While the model
    endpoint is known to be down, a retry comes back every probe interval (it costs only a Redis lookup),
    so jobs resume within seconds of the endpoint's return.
    """
    q = settings_of(task).queue
    stage, job_id = TASKS[task.name], int(task.request.args[0])
    since = float(task.request.kwargs.get("waiting_since") or time.time())
    waited = time.time() - since
    log = {"job_id": job_id}
    if waited >= outage_s:
        if store_ is not None:
            store_.fail(job_id, f"{stage}: gave up after waiting {waited:.0f} s: {exc}", permanent=True)
        logger.error("%s: gave up after waiting %.0f s: %s", stage, waited, exc, extra=log)
        raise Ignore() from exc
    countdown = backoff(task.request.retries, q.retry_backoff_s, q.retry_backoff_max_s)
    if isinstance(exc, EndpointUnavailable) and _endpoint_down(settings_of(task)):
        countdown = min(countdown, q.endpoint_probe_s)
    if store_ is not None:
        store_.fail(job_id, f"{stage}: {exc} (waiting {waited:.0f} of {outage_s} s; next try in {countdown:.0f} s)",
                    permanent=False)
    logger.warning("%s failed, next try in %.0f s (waiting %.0f of %d s): %s", stage, countdown, waited, outage_s,
                   exc, extra=log)
    raise task.retry(exc=exc, countdown=countdown, kwargs={"waiting_since": since})


def _run_stage(task: Task, job_id: int, work: Callable[[JobView, Settings], dict[str, Any] | None],
               skip: Callable[[JobView], bool] | None, task_started: float) -> None:
    stage = TASKS[task.name]
    config = settings_of(task)
    store_ = get_store(config)
    log = {"job_id": job_id}
    # every message of one chain carries its first task's id: the chain that owns the job (Store.start_stage)
    chain = str(task.request.root_id or task.request.id)
    try:
        job, delivery = store_.start_stage(job_id, stage, chain=chain, max_crashes=config.queue.max_crashes)
    except PoisonJob as exc:  # recorded by the store: the job is failed
        logger.error("%s", exc, extra=log)
        raise Ignore() from exc
    except JobNotFound as exc:
        logger.error("no job %s: %s task dropped", job_id, stage, extra=log)
        raise Ignore() from exc
    if delivery is not Delivery.RUN:
        what = {Delivery.FINISHED: f"the job is {job.state}", Delivery.STALE: "a duplicate (of a stage this chain passed, or from another chain)",
                Delivery.SKIP: "a duplicate of a finished stage"}[delivery]
        logger.info("%s: %s: skipped", stage, what, extra=log)
        if delivery is Delivery.SKIP:
            return  # the chain goes on from here, as it would have
        raise Ignore()
    if skip is not None and skip(job):
        logger.info("%s already done for this job (a recovered chain): skipped", stage, extra=log)
        store_.finish_stage(job_id, stage, job.timings.get(stage, 0.0))
        return
    started = time.perf_counter()
    try:
        result = work(job, config)
    except Exception as exc:
        # the soft time limit, even where a client caught it and raised its own error instead
        if isinstance(exc, SoftTimeLimitExceeded) or _past(task.soft_time_limit, task_started):
            limit = task.soft_time_limit
            store_.fail(job_id, f"{stage}: took longer than {limit} s (soft time limit)", permanent=True)
            logger.error("%s exceeded its soft time limit of %s s", stage, limit, extra=log)
            raise Ignore() from exc
        _record_failure(task, exc, job_id, store_)
        raise
    seconds = round(time.perf_counter() - started, 3)
    store_.finish_stage(job_id, stage, seconds, result=result)
    logger.info("%s done in %.2f s", stage, seconds, extra=log)


def _past(limit_s: float | None, since: float) -> bool:
    return limit_s is not None and time.monotonic() - since >= limit_s


def _record_failure(task: Task, exc: Exception, job_id: int, store_: Store) -> None:
    """Retry a transient error (raises Retry) or fail the job for good (raises Ignore for a SummarizerError;
    returns for a bug, which the caller re-raises for Celery to log). A stage stopping its chain (Ignore),
    the database or Redis away (retried by _run) return untouched."""
    if isinstance(exc, Ignore | OperationalError | redis.RedisError):
        return
    stage, config = TASKS[task.name], settings_of(task)
    if isinstance(exc, SummarizerError) and exc.transient:
        endpoint = isinstance(exc, EndpointUnavailable)
        if endpoint:
            _pause_llm_queue(config)
        _retry(task, exc, config.queue.model_outage_s if endpoint else config.queue.outage_s, store_)
    if not isinstance(exc, SummarizerError):  # a bug: recorded so the job does not look alive
        store_.fail(job_id, f"{stage}: internal error: {type(exc).__name__}: {exc}", permanent=True)
        return
    store_.fail(job_id, f"{stage}: {exc}", permanent=True)
    logger.error("job failed at %s: %s", stage, exc, extra={"job_id": job_id})
    raise Ignore() from exc  # no retry, and the chain stops here


def _pause_llm_queue(config: Settings) -> None:
    """Tell the llm workers to stop taking work until the endpoint answers again (EndpointBreaker)."""
    if config.llm.base_url:
        try:
            mark_model_down(_get_redis(config), config.llm.base_url, config.queue.model_outage_s)
        except redis.RedisError:
            pass  # the task retries anyway; the flag is an optimisation


def _endpoint_down(config: Settings) -> bool:
    """Whether a task has seen the model endpoint down and no probe has seen it back since."""
    if not config.llm.base_url:
        return False
    try:
        return bool(_get_redis(config).exists(MODEL_DOWN_KEY))
    except redis.RedisError:
        return False  # Redis away: the call itself will tell


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
    if _endpoint_down(config):  # a retry that came due while the endpoint is still down: no call, no timeout
        raise EndpointUnavailable(f"model endpoint {masked_url(config.llm.base_url or '')} is still down")
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
def fetch(self: Task, job_id: int, waiting_since: float | None = None) -> None:
    """Download the record and PDF into the cache."""
    _run(self, job_id, _fetch)


@shared_task(name="summarizer.parse_index", **TASK_OPTIONS)
def parse_index(self: Task, job_id: int, waiting_since: float | None = None) -> None:
    """Parse the cached PDF and index its chunks in Chroma."""
    _run(self, job_id, _parse_index)


@shared_task(name="summarizer.extract", **TASK_OPTIONS)
def extract(self: Task, job_id: int, waiting_since: float | None = None) -> None:
    """Draft and ground the card with the model; store its JSON on the job."""
    _run(self, job_id, _extract, skip=lambda job: job.result is not None)


@shared_task(name="summarizer.store", **TASK_OPTIONS)
def store(self: Task, job_id: int, waiting_since: float | None = None) -> None:
    """Store the job's card as a revision and mark the job done."""
    _run(self, job_id, _store_card)


@shared_task(name="summarizer.recover", bind=True, acks_late=True)
def recover_task(self: Task, older_than_s: float | None = None) -> list[int]:
    """The sweeper, sent by beat every minute: re-send the jobs whose message is gone, and resume a digest
    whose run stopped while its picks were drafted."""
    config = settings_of(self)
    store_ = get_store(config)
    resume_digests(self.app, store_, config)
    return recover(self.app, older_than_s, store=store_)


def resume_digests(celery: Celery, store_: Store, config: Settings) -> list[str]:
    """Send `summarizer.digest` again for every digest still being drafted whose run has not moved for
    three polls (its task was lost: a worker killed, Redis flushed); the days sent."""
    now = time.time()
    quiet = max(3 * config.digest.poll_s, float(config.queue.recover_after_s))
    days = [view.day for view in store_.digests(limit=7) if view.revision == 0
            and now - view.updated_at.timestamp() > quiet]
    for day in days:
        logger.warning("digest %s: its run has not moved for %.0f s; resumed", day, quiet)
        celery.send_task("summarizer.digest", args=(day,))
    return days


@shared_task(name="summarizer.digest", bind=True, acks_late=True, max_retries=None)
def digest(self: Task, day: str | None = None, listing_tries: int = 0) -> str:
    """The nightly digest (beat sends it at settings.digest.at): one step, then again in a while until drafted.

    The day is fixed by the first delivery and carried by every retry, so a run that crosses midnight still
    drafts the day it started for. The task never sleeps: an empty or not yet updated weekday listing is
    asked for again by a retry empty_feed_wait_s later (listing_tries counts them), a service away by a
    retry after the queue's longest backoff, picks still on the queue by a retry every poll_s.
    """
    config = settings_of(self)
    the_day = date.fromisoformat(day) if day else nightly.today(config)
    args = (the_day.isoformat(),)
    try:
        db = get_store(config)
        run = nightly.Run(
            settings=config, store=db, arxiv=_get_arxiv(config), embed=get_embedder().embed,
            llm=_get_model(config), intake=Intake(db, config, enqueue=lambda job_ids: enqueue(job_ids, self.app)),
            progress=lambda message: logger.info("digest %s: %s", the_day, message),
        )
        last_try = listing_tries + 1 >= config.digest.empty_feed_tries
        # each delivery asks for the listing once; the last one believes an empty weekday listing
        status = nightly.step(run, the_day, tries=1, believe_empty=last_try)
    except (UpstreamUnavailable, OperationalError, redis.RedisError) as exc:
        logger.warning("digest %s: %s; trying again", the_day, exc)
        raise self.retry(args=args, kwargs={"listing_tries": listing_tries},
                         countdown=config.queue.retry_backoff_max_s) from exc
    except SummarizerError as exc:  # bad settings, a listing of another day: no retry would help
        logger.error("digest %s failed: %s", the_day, exc)
        return f"failed: {exc}"
    if status is nightly.Status.NOT_YET:
        raise self.retry(args=args, kwargs={"listing_tries": listing_tries + 1},
                         countdown=config.digest.empty_feed_wait_s)
    if status is nightly.Status.WAITING:
        raise self.retry(args=args, kwargs={"listing_tries": listing_tries}, countdown=config.digest.poll_s)
    return status.value


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


def recover(celery: SummarizerCelery, older_than_s: float | None = None, *, store: Store | None = None) -> list[int]:
    """Re-send the queued or running jobs whose message is gone (Redis restarted without its data, or
    flushed; a chain cut by a crash between two stages); return their ids.

    Only jobs that have not moved for `older_than_s` (default settings.queue.recover_after_s) and have no
    message left in Redis, in two looks a second apart (a message moving between a queue and the hash of
    held messages shows in one of them), so nothing that will still run is sent twice. A re-sent job is
    released from its old chain first, so a late message of that chain is dropped as a duplicate.
    """
    config = celery.settings
    threshold = config.queue.recover_after_s if older_than_s is None else older_than_s
    own = store is None
    db = Store(config.database_url) if store is None else store
    try:
        now = time.time()
        candidates = [job.id for state in (JobState.QUEUED, JobState.RUNNING) for job in _all_jobs(db, state)
                      if now - job.updated_at.timestamp() >= threshold]
        if candidates:
            alive = jobs_with_a_message(config)
            time.sleep(SECOND_LOOK_S)
            alive |= jobs_with_a_message(config)
            candidates = db.rechain([job_id for job_id in candidates if job_id not in alive])
    finally:
        if own:
            db.close()  # recover may run in the worker's parent process: no connections across the fork
    if candidates:
        enqueue(candidates, celery)
        logger.warning("re-sent %d job(s) whose message was gone: %s", len(candidates), candidates[:20])
    return candidates


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
