"""Who is alive: the lock a running stage holds on its job, and the backoff that waits out an outage.

A stage holds `JobLock` on its job while it runs, refreshed every heartbeat by a thread of its own. The
lock's owner names the host and process, so a second delivery of the same job can tell a live delivery
(the lock is refreshed: the second is a duplicate and drops out) from a dead one (its process is gone on
this host, or its lock lapses: the second takes over). Owner checks and refreshes are atomic (Lua), so a
delivery never extends or releases a lock that has passed to another.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
import uuid
from types import TracebackType
from typing import Self

import redis

from summarizer.files import pid_alive

__all__ = ["JobLock", "backoff"]

logger = logging.getLogger(__name__)

HOST = socket.gethostname()
# compare-and-set primitives: act only while the lock still holds the value this delivery expects
_REFRESH = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"
_TAKE_OVER = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('set', KEYS[1], ARGV[2], 'PX', ARGV[3]) end"
    " return false"
)


class JobLock:
    """One job's run lock: at most one live delivery works on a job at a time (any stage).

    `acquire()` returns False when another live delivery holds it; when the holder has died it takes the
    lock over: at once when the holder was a process of this host, else once the lock lapses.
    """

    def __init__(self, client: redis.Redis, job_id: int, *, ttl_s: float, heartbeat_s: float) -> None:
        self.client = client
        self.key = f"summarizer:job-lock:{job_id}"
        self.owner = f"{HOST}:{os.getpid()}:{uuid.uuid4().hex}"
        self.ttl_ms = int(ttl_s * 1000)
        self.heartbeat_s = heartbeat_s
        self.held = False
        self._stop = threading.Event()
        self._refresher: threading.Thread | None = None

    def acquire(self) -> bool:
        """Take the lock, or return False when a live delivery holds it (known within about a heartbeat)."""
        deadline = time.monotonic() + self.ttl_ms / 1000 + self.heartbeat_s
        last_ttl: int | None = None
        while not self.held:
            if self.client.set(self.key, self.owner, nx=True, px=self.ttl_ms):
                self.held = True
                break
            raw = self.client.get(self.key)
            if raw is None:
                continue  # released or lapsed between the two calls
            holder = raw.decode() if isinstance(raw, bytes) else str(raw)
            host, _, rest = holder.partition(":")
            pid = rest.partition(":")[0]
            if host == HOST and pid.isdigit() and not pid_alive(int(pid)):
                # its process is gone (a SIGKILLed pool process): take over without waiting for the lapse
                self.held = bool(self.client.eval(_TAKE_OVER, 1, self.key, holder, self.owner, self.ttl_ms))
                continue
            remaining = int(self.client.pttl(self.key))
            if last_ttl is not None and remaining > last_ttl:
                return False  # refreshed since we last looked: its delivery is alive
            last_ttl = remaining
            if time.monotonic() > deadline:
                return False  # should have lapsed by now: someone keeps it alive
            time.sleep(min(1.0, self.heartbeat_s / 2))
        self._refresher = threading.Thread(target=self._refresh, name=f"{self.key} refresh", daemon=True)
        self._refresher.start()
        return True

    def _refresh(self) -> None:
        while not self._stop.wait(self.heartbeat_s):
            try:
                if not self.client.eval(_REFRESH, 1, self.key, self.owner, self.ttl_ms):
                    logger.warning("lost %s to another delivery: no longer refreshed", self.key)
                    return
            except redis.RedisError as exc:  # Redis away for a moment: the next beat tries again
                logger.warning("could not refresh %s: %s", self.key, exc)

    def release(self) -> None:
        """Stop refreshing and delete the lock if this delivery still owns it."""
        self._stop.set()
        if self._refresher is not None:
            self._refresher.join(timeout=5)
        if self.held:
            self.held = False
            try:
                self.client.eval(_RELEASE, 1, self.key, self.owner)
            except redis.RedisError:
                pass  # it lapses on its own within the ttl

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def backoff(retries: int, base_s: float, cap_s: float) -> float:
    """The countdown before retry `retries + 1`: base * 2**retries, capped, jittered down to half of it."""
    full = min(cap_s, base_s * 2 ** min(retries, 32))
    return random.uniform(full / 2, full)
