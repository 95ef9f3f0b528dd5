"""The Celery app: Redis broker, two queues, late acks with a poison guard (RELIABILITY.md §1).

Every entry point makes its app from the Settings it built: `summarizer worker [--preset]` and the intake
call `make_app(settings)`. Celery's own commands (`celery -A workers.celery_app beat|flower|call`) use the
module-level `app`, which reads the environment only when Celery first asks for its configuration, never
at import. There is no result backend: job state lives in the database (summarizer.service.store).
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from typing import Any

from celery import Celery
from celery.schedules import crontab
from celery.signals import after_setup_logger, after_setup_task_logger

from summarizer.jobs import Stage
from summarizer.settings import Settings, load
from workers.consumer_steps import EndpointBreaker, HeldMessagesHeartbeat

__all__ = ["PRIORITY", "TASKS", "JobFormatter", "SummarizerCelery", "app", "current_job", "make_app"]

# task name -> the stage it runs, in the order of a job's chain
TASKS = {
    "summarizer.fetch": Stage.FETCH,
    "summarizer.parse_index": Stage.PARSE,
    "summarizer.extract": Stage.EXTRACT,
    "summarizer.store": Stage.STORE,
}
# Redis message priority per task; with Redis 0 is the highest (kombu reads the lowest-numbered list first)
PRIORITY = {
    "summarizer.store": 0,
    "summarizer.extract": 0,  # alone on the llm queue
    "summarizer.parse_index": 3,
    "summarizer.fetch": 6,
    "summarizer.recover": 9,
    "summarizer.digest": 9,  # on the llm queue (it judges abstracts), after any card's extract
}
# the tasks that call the model: on the llm queue, where one process per machine runs the local model
LLM_TASKS = frozenset({"summarizer.extract", "summarizer.digest"})
# how often beat sends the sweeper (workers.tasks.recover): cheap, one scan of the queues and the database
SWEEP_EVERY_S = 60
# the job the running task works on: every log record of the task names it, from any module
current_job: ContextVar[int | None] = ContextVar("current_job", default=None)
LOG_FORMAT = "[%(asctime)s: %(levelname)s/%(processName)s] %(name)s job=%(job_id)s: %(message)s"


class SummarizerCelery(Celery):  # type: ignore[misc]  # Celery ships no type hints
    """A Celery app configured from one Settings object, which tasks read back from `self.app.settings`.

    Configured lazily: Celery calls `on_configure` when a process first reads the app's configuration.
    An app made without settings (the module-level `app`, for Celery's own commands) loads them from the
    environment then.
    """

    def __init__(self, settings: Settings | None = None, **kwargs: Any) -> None:
        self._settings = settings
        kwargs.setdefault("main", "summarizer")
        kwargs.setdefault("include", ["workers.tasks"])
        super().__init__(**kwargs)  # keyword arguments: how Celery re-creates an app it unpickles
        self.steps["consumer"].update({HeldMessagesHeartbeat, EndpointBreaker})

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load()  # Celery's own commands: the environment, on first use
        return self._settings

    def on_configure(self) -> None:
        self.config_from_object(celery_config(self.settings))


def make_app(settings: Settings) -> SummarizerCelery:
    """The Celery app for these settings (configured when first used)."""
    return SummarizerCelery(settings)


def celery_config(settings: Settings) -> dict[str, Any]:
    """Celery's configuration for these settings: broker, queues, routes, limits and retries."""
    q = settings.queue
    hour, minute = settings.digest.at.split(":")
    limits = {
        "summarizer.fetch": q.fetch_time_limit_s,
        "summarizer.parse_index": q.parse_time_limit_s,
        "summarizer.extract": q.extract_time_limit_s,
        "summarizer.store": q.store_time_limit_s,
        "summarizer.recover": q.store_time_limit_s,
        "summarizer.digest": q.extract_time_limit_s,  # its first step reads the listing and judges abstracts
    }
    return {
        "broker_url": settings.redis_url,
        # a task's message stays in Redis until the task returns, so a crashed worker's task is redelivered;
        # safe because every task is idempotent (workers/tasks.py)
        "task_acks_late": True,
        # also requeue when the pool process dies (SIGKILL, OOM): the store's poison guard
        # (start_stage(max_crashes=...)) ends the loop a PDF that kills its worker would cause
        "task_reject_on_worker_lost": True,
        # reserve only one task per process: a long extract does not hold others hostage
        "worker_prefetch_multiplier": 1,
        "task_serializer": "json",
        "accept_content": ["json"],
        "event_serializer": "json",
        # job state is in the database: no result backend, no tombstones to expire
        "task_ignore_result": True,
        "broker_connection_retry_on_startup": True,
        # Redis away (a restart, a network cut): reconnect for as long as it takes, never give up
        "broker_connection_max_retries": None,
        # a task that finishes while Redis is away waits this long (about a minute) to send the next stage
        "task_publish_retry_policy": {"max_retries": 20, "interval_start": 0, "interval_step": 1,
                                      "interval_max": 5},
        "broker_transport_options": {
            "visibility_timeout": q.visibility_timeout_s,
            # how often every worker puts back the messages of dead workers (workers/consumer_steps.py);
            # kombu's default sweeps only every 10 x 10 s
            "unacked_restore_interval": q.restore_interval_s,
            "unacked_restore_throttle": 1,
            # a publish to a broker that vanished without closing the socket must not hang forever
            "socket_timeout": 30,
            "socket_connect_timeout": 10,
            # a Redis list per step (kombu): BRPOP reads them in this order, so 0 is served first
            "priority_steps": sorted(set(PRIORITY.values())),
        },
        # redis.rst: all three spellings must agree when the visibility timeout changes
        "result_backend_transport_options": {"visibility_timeout": q.visibility_timeout_s},
        "visibility_timeout": q.visibility_timeout_s,
        # backstops; each task gets its own limit below
        "task_time_limit": max(limits.values()),
        "task_soft_time_limit": max(limits.values()) - q.soft_time_limit_margin_s,
        "task_annotations": {
            name: {"time_limit": limit, "soft_time_limit": limit - q.soft_time_limit_margin_s}
            for name, limit in limits.items()
        },
        "worker_max_memory_per_child": q.max_memory_per_child_kb,
        # on a cold shutdown (SIGQUIT, or SIGTERM with REMAP_SIGTERM=SIGQUIT) keep running tasks this long,
        # then requeue their messages instead of leaving them to the visibility timeout
        "worker_soft_shutdown_timeout": q.soft_shutdown_timeout_s,
        "worker_enable_soft_shutdown_on_idle": True,  # also requeue retries an idle worker holds (countdowns)
        # let a task that outlives a broker blip finish and continue its chain: the alternative (cancel it)
        # loses the work, and after a Redis restart the message is gone too
        "worker_cancel_long_running_tasks_on_connection_loss": False,
        "task_default_queue": q.io_queue,
        # later stages first: on the io queue a job's parse and store go ahead of every waiting fetch, so a
        # bulk submission feeds the llm queue from its first job on instead of after its last download
        "task_routes": {name: {"queue": q.llm_queue if name in LLM_TASKS else q.io_queue,
                            "priority": priority} for name, priority in PRIORITY.items()},
        # only where `celery -A workers.celery_app beat` runs: re-sends the jobs whose message is gone
        "beat_schedule": {
            "sweep-lost-jobs": {"task": "summarizer.recover", "schedule": float(SWEEP_EVERY_S)},
            "nightly-digest": {"task": "summarizer.digest", "schedule": crontab(hour=int(hour), minute=int(minute))},
        },
        # the time zone of beat's crontab entries: the digest starts at `at` where the editors are
        "timezone": settings.digest.timezone,
        # Celery's own formatters (e.g. billiard's pool logger) use this one: it must not name job_id
        "worker_log_format": "[%(asctime)s: %(levelname)s/%(processName)s] %(name)s: %(message)s",
    }


class JobFormatter(logging.Formatter):
    """Prints `job=<id>`: from `extra={"job_id": ...}`, else the running task's job, else "-"."""

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "job_id"):
            job_id = current_job.get()
            record.job_id = "-" if job_id is None else job_id
        return super().format(record)


@after_setup_logger.connect
@after_setup_task_logger.connect
def _job_formatter(logger: logging.Logger, **kwargs: Any) -> None:
    for handler in logger.handlers:
        handler.setFormatter(JobFormatter(LOG_FORMAT))


# for `celery -A workers.celery_app ...`: settings from the environment, read when Celery first needs them
app = SummarizerCelery()
