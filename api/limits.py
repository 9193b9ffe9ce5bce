"""Per-key token-bucket rate limits (in memory, or in Redis when configured) and a concurrency cap."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from typing import Protocol


class RateLimiter(Protocol):
    def take(self, key: str) -> float:
        """0 when allowed; else the seconds to wait before a token is free."""
        ...

    def peek(self, key: str) -> float:
        """Like take, without spending a token (a lock-out check before the costly work)."""
        ...


@dataclass
class MemoryRateLimiter:
    rate: float
    burst: int
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, key: str) -> float:
        return self._bucket(key, spend=True)

    def peek(self, key: str) -> float:
        return self._bucket(key, spend=False)

    def _bucket(self, key: str, spend: bool) -> float:
        now = time.monotonic()
        with self._lock:
            tokens, at = self._buckets.get(key, (float(self.burst), now))
            tokens = min(self.burst, tokens + (now - at) * self.rate)
            if tokens >= 1:
                if spend:
                    self._buckets[key] = (tokens - 1, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate


_LUA = """
local b = redis.call('HMGET', KEYS[1], 't', 'at')
local rate, burst, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local tokens = tonumber(b[1]) or burst
local at = tonumber(b[2]) or now
tokens = math.min(burst, tokens + (now - at) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - tonumber(ARGV[4]) else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 't', tokens, 'at', now)
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 60)
return tostring(wait)
"""


class RedisRateLimiter:
    """The same bucket, atomically in Redis, so every API process shares one limit per key."""

    def __init__(self, url: str, rate: float, burst: int) -> None:
        import redis

        self._r = redis.Redis.from_url(url)
        self._script = self._r.register_script(_LUA)
        self.rate, self.burst = rate, burst

    def take(self, key: str) -> float:
        return self._bucket(key, 1)

    def peek(self, key: str) -> float:
        return self._bucket(key, 0)

    def _bucket(self, key: str, spend: int) -> float:
        wait = self._script(keys=[f"cairn:rate:{key}"], args=[self.rate, self.burst, time.time(), spend])
        return float(wait.decode() if isinstance(wait, bytes) else wait)


def auth_fail_key(client_host: str | None) -> str:
    """The bucket that failed sign-ins from one client address share, API and console alike."""
    return f"auth-fail:{client_host or 'unknown'}"


def retry_after(wait: float) -> str:
    return str(max(1, math.ceil(wait)))
