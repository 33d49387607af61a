"""Django's Redis cache, with one client per connection pool.

Django's ``RedisCacheClient.get_client()`` makes a new ``redis.Redis`` for every
call, and redis-py fills each new client's table of response callbacks (about
170 entries): about 0.2 ms of CPU on this project's machines, several times
for every page (the page cache, the key versions, the shared lists). A client
over a connection pool is safe to share between threads, and redis-py's pool
starts afresh in a forked process, so one client per pool is kept instead.
"""

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(write)
            client = self._clients[index] = self._client(connection_pool=pool)
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
