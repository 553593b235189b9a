"""Per-client rate limits keyed on a salted hash of the address; the salt rotates daily.

The raw address is never stored. Each UTC day gets a fresh random salt, kept only where
the limit counters live (Redis with a 48 hour expiry, or this process's memory for the
embedded default), so once a salt is gone nobody, not even the operator, can tell which
address a day's counter belonged to.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol

from flask import current_app, request
from flask_limiter import Limiter

log = logging.getLogger(__name__)

SALT_TTL = timedelta(hours=48)
SALT_KEY_PREFIX = "misskissing:ratelimit-salt:"

# Hearts and submissions share one budget per client whichever door they come through
# (the JSON API or the HTML form). Hearts count once per reader cookie anyway; the limit
# stops a client that clears its cookies in a loop from inflating a count.
SUBMIT_LIMITS = "5 per minute;30 per day"
HEART_LIMITS = "30 per minute;600 per day"
REPORT_LIMITS = "10 per minute;100 per day"
LOGIN_LIMITS = "10 per minute;100 per day"
# A search scans every letter's text: searches have a budget, plain wall reads do not.
SEARCH_LIMITS = "30 per minute;1000 per day"


class SaltStore(Protocol):
    def salt_for(self, day: str) -> bytes:
        """Return the salt of `day` (YYYY-MM-DD), creating it if this is its first use."""


class MemorySaltStore:
    """Daily salts in this process's memory, forgotten after `SALT_TTL`."""

    def __init__(self) -> None:
        self._salts: dict[str, tuple[bytes, datetime]] = {}
        self._lock = threading.Lock()

    def salt_for(self, day: str) -> bytes:
        now = datetime.now(UTC)
        with self._lock:
            for old in [d for d, (_, born) in self._salts.items() if now - born >= SALT_TTL]:
                del self._salts[old]
            if day not in self._salts:
                self._salts[day] = (secrets.token_bytes(32), now)
            return self._salts[day][0]

    def days(self) -> list[str]:
        with self._lock:
            return sorted(self._salts)


class RedisSaltStore:
    """Daily salts in Redis, shared by every web process, expiring after `SALT_TTL`."""

    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._cache: tuple[str, bytes] | None = None
        self._lock = threading.Lock()
        # While Redis is unreachable the limiter counts in memory; the salts do too.
        self._fallback = MemorySaltStore()

    def salt_for(self, day: str) -> bytes:
        with self._lock:
            if self._cache and self._cache[0] == day:
                return self._cache[1]
        import redis

        key = SALT_KEY_PREFIX + day
        try:
            # The first process to need today's salt creates it; the others read that one.
            self._redis.set(key, secrets.token_bytes(32), nx=True, ex=int(SALT_TTL.total_seconds()))
            salt = self._redis.get(key)
        except redis.RedisError as exc:
            log.warning(
                "rate-limit salt store unavailable (%s); using process memory", type(exc).__name__
            )
            return self._fallback.salt_for(day)
        if not isinstance(salt, bytes):
            return self._fallback.salt_for(day)  # expired between SET and GET: vanishingly rare
        with self._lock:
            self._cache = (day, salt)
        return salt


def make_salt_store(redis_url: str | None) -> SaltStore:
    return RedisSaltStore(redis_url) if redis_url else MemorySaltStore()


def today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")


def client_key() -> str:
    """Return today's salted hash of the client address; the raw address is never kept."""
    store: SaltStore = current_app.extensions["misskissing.salts"]
    address = (request.remote_addr or "unknown").encode()
    return hmac.new(store.salt_for(today()), address, hashlib.sha256).hexdigest()[:32]


limiter = Limiter(
    key_func=client_key,
    default_limits=[],
    # Fixed windows keep one counter per client and window; a moving window would keep a
    # timestamp for every request, which could be matched against letters' times.
    strategy="fixed-window",
    # A broken limit store must not take the site down: fall back to per-process memory.
    in_memory_fallback_enabled=True,
    key_prefix="misskissing",
)

submission_limit = limiter.shared_limit(SUBMIT_LIMITS, scope="submissions")
heart_limit = limiter.shared_limit(HEART_LIMITS, scope="hearts")
report_limit = limiter.shared_limit(REPORT_LIMITS, scope="reports")
search_limit = limiter.shared_limit(
    SEARCH_LIMITS, scope="searches", exempt_when=lambda: not request.args.get("q")
)
