"""Where a distributed run keeps its state in Redis.

Every key of a run carries its id, so a new night's run starts with an empty dupefilter while
yesterday's keys expire on their own (``SELLERWATCH_REDIS_RUN_TTL``). ``{prefix}:run`` names the
run that workers join.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from redis import Redis


@dataclass(frozen=True)
class RunKeys:
    """The Redis keys of one source in one run."""

    prefix: str
    run: str
    source: str

    def _key(self, part: str) -> str:
        return f"{self.prefix}:{self.run}:{self.source}:{part}"

    @property
    def queue(self) -> str:
        """Sorted set of serialised requests waiting to be fetched (score: -priority)."""
        return self._key("queue")

    @property
    def seen(self) -> str:
        """Set of request fingerprints enqueued in this run (scrapy-redis's dupefilter)."""
        return self._key("seen")

    @property
    def leases(self) -> str:
        """Hash lease id -> serialised request, for requests a worker is working on."""
        return self._key("leases")

    @property
    def owners(self) -> str:
        """Hash lease id -> "score|worker id", to give a dead worker's requests back."""
        return self._key("owners")

    @property
    def counter(self) -> str:
        return self._key("lease-counter")

    @property
    def redelivered(self) -> str:
        """Hash sha1(request) -> times it was taken back from a dead worker."""
        return self._key("redelivered")

    @property
    def poisoned(self) -> str:
        """List of requests set aside after they were held by too many workers that died."""
        return self._key("poisoned")

    def all(self) -> tuple[str, ...]:
        return (
            self.queue,
            self.seen,
            self.leases,
            self.owners,
            self.counter,
            self.redelivered,
            self.poisoned,
        )


def alive_prefix(prefix: str) -> str:
    """Workers hold ``{prefix}:alive:{worker}`` (with a short TTL) while they run."""
    return f"{prefix}:alive:"


def run_pointer(prefix: str) -> str:
    return f"{prefix}:run"


def start_run(server: Redis, prefix: str) -> str:
    """Make a new run the one workers join, and return its id."""
    run = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)
    server.set(run_pointer(prefix), run)
    return run


def current_run(server: Redis, prefix: str) -> str | None:
    """The id of the newest seeded run, or None when nothing was ever seeded under ``prefix``."""
    value = server.get(run_pointer(prefix))
    return value.decode() if isinstance(value, bytes) else value
