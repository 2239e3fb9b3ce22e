"""scrapy-redis's priority queue with leases: a worker killed mid-request loses nothing.

A push marks the request seen and queues it in one step. A pop moves the request into a lease
held by the worker instead of deleting it. The lease is settled when the request is done (its
callback or errback has run, or it was re-queued as a redirect or a retry). Leases of a worker
whose heartbeat key has expired go back to the queue, where another worker takes them.
"""

from __future__ import annotations

from typing import Any

from redis import Redis
from scrapy import Request, Spider
from scrapy_redis.queue import PriorityQueue

from crawler.distributed import serializer
from crawler.distributed.keys import RunKeys, alive_prefix

# KEYS: queue, leases, owners, counter. ARGV: worker id.
_POP = """
local item = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #item == 0 then return false end
redis.call('ZREM', KEYS[1], item[1])
local lease = tostring(redis.call('INCR', KEYS[4]))
redis.call('HSET', KEYS[2], lease, item[1])
redis.call('HSET', KEYS[3], lease, item[2] .. '|' .. ARGV[1])
return {lease, item[1]}
"""

# KEYS: queue, seen, leases, owners. ARGV: request, score, fingerprint ('' = not filtered),
# lease of the request this one continues ('' = none).
_PUSH = """
local queued = 0
if ARGV[3] == '' or redis.call('SADD', KEYS[2], ARGV[3]) == 1 then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
  queued = 1
end
if ARGV[4] ~= '' then
  redis.call('HDEL', KEYS[3], ARGV[4])
  redis.call('HDEL', KEYS[4], ARGV[4])
end
return queued
"""

# KEYS: queue, leases, owners, redelivered, poisoned.
# ARGV: alive-key prefix, worker id ('' = every dead worker), most redeliveries of one request.
_RECLAIM = """
local owners = redis.call('HGETALL', KEYS[3])
local returned = 0
for i = 1, #owners, 2 do
  local lease = owners[i]
  local score, worker = string.match(owners[i + 1], '^([^|]*)|(.*)$')
  local dead = ARGV[2] == '' and redis.call('EXISTS', ARGV[1] .. worker) == 0
  if dead or worker == ARGV[2] then
    local data = redis.call('HGET', KEYS[2], lease)
    if data then
      local tries = 0
      if dead then tries = redis.call('HINCRBY', KEYS[4], redis.sha1hex(data), 1) end
      if tries > tonumber(ARGV[3]) then
        redis.call('RPUSH', KEYS[5], data)
      else
        redis.call('ZADD', KEYS[1], score, data)
        returned = returned + 1
      end
    end
    redis.call('HDEL', KEYS[2], lease)
    redis.call('HDEL', KEYS[3], lease)
  end
end
return returned
"""

# A request whose workers died this many times is set aside (``RunKeys.poisoned``), so that a
# page that crashes workers (say, by exhausting memory) cannot take down every worker in turn.
MAX_REDELIVERIES = 3


class LeasedPriorityQueue(PriorityQueue):
    """A run's queue for one source; ``pop`` hands out a request under a lease."""

    def __init__(self, server: Redis, spider: Spider, keys: RunKeys, worker: str, **kwargs: Any) -> None:
        kwargs.setdefault("serializer", serializer)
        super().__init__(server, spider, keys.queue, **kwargs)
        self.keys = keys
        self.worker = worker
        self._pop = server.register_script(_POP)
        self._push = server.register_script(_PUSH)
        self._reclaim = server.register_script(_RECLAIM)

    def push_once(self, request: Request, fingerprint: str | None, settles: str | None = None) -> bool:
        """Queue ``request`` unless ``fingerprint`` (None: not filtered) was seen in this run, and
        settle the lease ``settles`` (a redirect or retry continues that request) — one atomic
        step, so a worker killed here cannot leave a request marked seen but never queued, nor
        a request both queued and still leased. True if it was queued."""
        keys = [self.keys.queue, self.keys.seen, self.keys.leases, self.keys.owners]
        args = [self._encode_request(request), -request.priority, fingerprint or "", settles or ""]
        return bool(self._push(keys=keys, args=args))

    def pop(self, timeout: int = 0) -> Request | None:
        """The highest-priority request, with its lease id in ``meta["lease"]``; None when empty."""
        found = self._pop(
            keys=[self.keys.queue, self.keys.leases, self.keys.owners, self.keys.counter], args=[self.worker]
        )
        if not found:
            return None
        lease, data = found
        request = self._decode_request(data)
        request.meta["lease"] = lease.decode() if isinstance(lease, bytes) else str(lease)
        return request

    def settle(self, lease: str) -> None:
        """The leased request is done: forget it."""
        pipe = self.server.pipeline()
        pipe.hdel(self.keys.leases, lease)
        pipe.hdel(self.keys.owners, lease)
        pipe.execute()

    def in_flight(self) -> int:
        """Requests that some worker is working on."""
        return int(self.server.hlen(self.keys.leases))

    def give_back(self, worker: str | None = None) -> int:
        """Re-queue the leases of ``worker``, or (None) of every worker whose heartbeat is gone."""
        keys = [
            self.keys.queue,
            self.keys.leases,
            self.keys.owners,
            self.keys.redelivered,
            self.keys.poisoned,
        ]
        args = [alive_prefix(self.keys.prefix), worker or "", MAX_REDELIVERIES]
        return int(self._reclaim(keys=keys, args=args))
