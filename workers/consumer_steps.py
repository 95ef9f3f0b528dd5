"""Steps of a worker's main process (Celery consumer bootsteps), run on its event loop's timer.

- `HeldMessagesHeartbeat`: every `queue.heartbeat_s`, marks each message this worker holds (running, or
  waiting for a retry's countdown) as alive in kombu's index of unacknowledged messages. The messages of
  a worker that died stop being marked, and kombu's restore (run by every worker) puts them back on their
  queue once they are `queue.visibility_timeout_s` old: a crashed worker's job runs again within minutes,
  while a live worker's long extract or long countdown is never handed out twice.
- `EndpointBreaker`: while the model endpoint is down (a task saw it fail and raised the flag), an llm
  worker stops taking work from the llm queue, asks the endpoint every `queue.endpoint_probe_s`, and
  takes work again once it answers, so queued jobs wait in the queue instead of failing one by one.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import httpx
import redis
from celery import bootsteps
from pydantic import SecretStr

from summarizer.settings import masked_url

__all__ = ["MODEL_DOWN_KEY", "EndpointBreaker", "HeldMessagesHeartbeat", "mark_model_down"]

logger = logging.getLogger(__name__)

# set (to the endpoint's URL) by a task that saw the model endpoint fail; cleared by the probe that
# sees it answer, or lapsing after the longest outage the queue waits out
MODEL_DOWN_KEY = "summarizer:model-endpoint-down"
PROBE_TIMEOUT_S = 3.0  # the probe runs on the worker's event loop: keep it short
FLAG_CHECK_S = 1.0  # how often an llm worker looks at the flag (one Redis GET): it pauses within a second


def mark_model_down(client: redis.Redis, url: str, lapse_s: int) -> None:
    """Raise the flag that pauses the llm queue (see EndpointBreaker)."""
    client.set(MODEL_DOWN_KEY, masked_url(url), ex=max(lapse_s, 1))


class HeldMessagesHeartbeat(bootsteps.StartStopStep):  # type: ignore[misc]  # Celery ships no type hints
    """Marks the messages this worker holds as alive (see the module's docstring)."""

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self.entry: Any = None

    def start(self, c: Any) -> None:
        seconds = c.app.settings.queue.heartbeat_s
        self.entry = c.timer.call_repeatedly(seconds, self.beat, (c,), priority=10)

    def stop(self, c: Any) -> None:
        if self.entry is not None:
            self.entry.cancel()
            self.entry = None

    def beat(self, c: Any) -> None:
        channel: Any = getattr(c.task_consumer, "channel", None)
        qos: Any = getattr(channel, "qos", None)
        # kombu's Redis QoS: _delivered holds what this channel received and has not acknowledged yet
        # (_dirty: acknowledged, not yet flushed from it)
        delivered = getattr(qos, "_delivered", None)
        if not delivered:
            return
        tags = [tag for tag in list(delivered) if tag not in qos._dirty]
        if not tags:
            return
        now = time.time()
        try:
            with channel.conn_or_acquire() as client:
                # XX: only refresh; a message acknowledged or restored meanwhile must not come back
                client.zadd(channel.unacked_index_key, dict.fromkeys(tags, now), xx=True)
        except redis.RedisError as exc:  # Redis away: the consumer reconnects; the next beat tries again
            logger.warning("could not mark %d held message(s) as alive: %s", len(tags), exc)


class EndpointBreaker(bootsteps.StartStopStep):  # type: ignore[misc]  # Celery ships no type hints
    """Pauses this worker's llm queue while the model endpoint is down (see the module's docstring)."""

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self.entry: Any = None
        self.paused = False
        self.last_probe = 0.0
        self.client: redis.Redis | None = None

    def start(self, c: Any) -> None:
        settings = c.app.settings
        if not settings.llm.base_url:
            return  # the packaged model runs inside the worker: nothing to wait for elsewhere
        self.client = redis.Redis.from_url(settings.redis_url, socket_timeout=5, socket_connect_timeout=5)
        self.entry = c.timer.call_repeatedly(FLAG_CHECK_S, self.check, (c,), priority=10)

    def stop(self, c: Any) -> None:
        if self.entry is not None:
            self.entry.cancel()
            self.entry = None
        if self.client is not None:
            self.client.close()
            self.client = None

    def check(self, c: Any) -> None:
        settings = c.app.settings
        queue = settings.queue.llm_queue
        assert self.client is not None
        try:
            down = self.client.get(MODEL_DOWN_KEY)
        except redis.RedisError:
            return  # the consumer deals with Redis; the next check tries again
        if down is None:
            if self.paused:
                self._resume(c, queue)
            return
        if not self.paused and c.task_consumer.consuming_from(queue):
            c.cancel_task_queue(queue)
            self.paused, self.last_probe = True, time.monotonic()
            logger.warning("model endpoint %s is down: stopped taking work from the %s queue",
                           masked_url(settings.llm.base_url), queue)
            return
        if not self.paused or time.monotonic() - self.last_probe < settings.queue.endpoint_probe_s:
            return
        self.last_probe = time.monotonic()
        if _answers(settings.llm.base_url, settings.llm.api_key):
            try:
                self.client.delete(MODEL_DOWN_KEY)
            except redis.RedisError:
                return
            self._resume(c, queue)

    def _resume(self, c: Any, queue: str) -> None:
        c.add_task_queue(queue)
        self.paused = False
        logger.warning("model endpoint is back: taking work from the %s queue again", queue)


def _answers(base_url: str, api_key: SecretStr | None) -> bool:
    """Whether the endpoint answers its model list (any reply below 500 means it is up and reachable)."""
    headers = {"Authorization": f"Bearer {api_key.get_secret_value()}"} if api_key else {}
    try:
        response = httpx.get(f"{base_url.rstrip('/')}/models", headers=headers, timeout=PROBE_TIMEOUT_S)
    except httpx.HTTPError:
        return False
    return response.status_code < 500
