"""The Redis cache, made optional: when Redis is down, pages still work.

The cache only saves work (sessions are `cached_db`: the database holds them), so a Redis that cannot
be reached is a cache miss on reading and nothing on writing, logged, never an error page. Short socket
timeouts keep a Redis that hangs from holding up every request.
"""

from __future__ import annotations

import logging

from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)


def _errors() -> tuple[type[BaseException], ...]:
    import redis

    return (redis.ConnectionError, redis.TimeoutError, OSError)


class ForgivingRedisCache(RedisCache):
    """django's RedisCache whose connection errors read as a miss (get) or a no-op (set, delete)."""

    def _forgive(self, name, default, *args, **kwargs):
        try:
            return getattr(super(), name)(*args, **kwargs)
        except _errors() as error:
            logger.warning("cache %s skipped, Redis is unavailable: %s", name, error)
            return default

    def get(self, key, default=None, version=None):
        return self._forgive("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._forgive("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._forgive("has_key", False, key, version)

    def add(self, key, value, timeout=None, version=None):
        return self._forgive("add", False, key, value, timeout, version)

    def set(self, key, value, timeout=None, version=None):
        return self._forgive("set", None, key, value, timeout, version)

    def set_many(self, data, timeout=None, version=None):
        return self._forgive("set_many", list(data), data, timeout, version)

    def touch(self, key, timeout=None, version=None):
        return self._forgive("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._forgive("delete", False, key, version)

    def delete_many(self, keys, version=None):
        return self._forgive("delete_many", None, keys, version)

    def incr(self, key, delta=1, version=None):
        return self._forgive("incr", None, key, delta, version)

    def clear(self):
        return self._forgive("clear", False)
