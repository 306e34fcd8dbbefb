"""Django's Redis cache, shared by every gunicorn worker, that never takes a page down with it.

The cache holds only what can be recomputed or reread (the dashboard's figures, copies of the
database sessions): when Redis is down or slow, a read is a miss and a write is skipped, so the
pages keep working from PostgreSQL (tests/reliability/test_redis_down.py). ``clear()`` deletes this
cache's own keys (its KEY_PREFIX) instead of flushing the whole Redis database.
"""

import logging
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)
# After a failure, skip Redis for this long instead of paying a connection attempt per call.
RETRY_AFTER_SECONDS = 5.0


class _Breaker:
    def __init__(self):
        self.down_until = 0.0

    def open(self):
        return time.monotonic() < self.down_until

    def trip(self, exc):
        if not self.open():
            logger.warning("cache: Redis unavailable, reading from the database for %ss (%s)", RETRY_AFTER_SECONDS, exc)
        self.down_until = time.monotonic() + RETRY_AFTER_SECONDS


def _tolerant(default):
    def wrap(method):
        def call(self, *args, **kwargs):
            if self._breaker.open():
                return default(*args) if callable(default) else default
            try:
                return method(self, *args, **kwargs)
            except UNAVAILABLE as exc:
                self._breaker.trip(exc)
                return default(*args) if callable(default) else default

        call.__name__ = method.__name__
        return call

    return wrap


class TolerantRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._breaker = _Breaker()

    add = _tolerant(False)(RedisCacheClient.add)
    get = _tolerant(lambda key, default: default)(RedisCacheClient.get)
    set = _tolerant(None)(RedisCacheClient.set)
    touch = _tolerant(False)(RedisCacheClient.touch)
    delete = _tolerant(False)(RedisCacheClient.delete)
    get_many = _tolerant(lambda keys: {})(RedisCacheClient.get_many)
    has_key = _tolerant(False)(RedisCacheClient.has_key)
    set_many = _tolerant(None)(RedisCacheClient.set_many)
    delete_many = _tolerant(None)(RedisCacheClient.delete_many)

    @_tolerant(False)
    def clear_prefix(self, prefix):
        client = self.get_client(None, write=True)
        deleted = 0
        batch = []
        for key in client.scan_iter(match=f"{prefix}*", count=500):
            batch.append(key)
            if len(batch) == 500:
                deleted += client.delete(*batch)
                batch = []
        if batch:
            deleted += client.delete(*batch)
        return bool(deleted)


class TolerantRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = TolerantRedisCacheClient

    def clear(self):
        """Only this cache's keys: the same Redis also holds Celery's queues (another database
        number) and possibly other caches."""
        if not self.key_prefix:
            raise ValueError("TolerantRedisCache needs a KEY_PREFIX to clear only its own keys")
        return self._cache.clear_prefix(self.key_prefix)
