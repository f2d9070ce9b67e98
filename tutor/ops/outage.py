"""Going on without the shared cache (Redis): callers that can do without it catch `CACHE_DOWN`, carry on
and warn through `outage_warn`, which logs once a minute per process and purpose, so an outage is seen
in the log without flooding it (docs/security.md, "When a dependency is down")."""

import logging
import time

from redis.exceptions import RedisError

CACHE_DOWN = RedisError
WARNING_EVERY = 60.0  # seconds between two warnings of one process for one purpose
_warned_at: dict[str, float] = {}


def outage_warn(logger: logging.Logger, purpose: str, error: Exception) -> None:
    """Log that `purpose` goes on without the cache, unless this process said so less than a minute ago."""
    now = time.monotonic()
    if purpose not in _warned_at or now - _warned_at[purpose] >= WARNING_EVERY:
        _warned_at[purpose] = now
        logger.warning("%s: the cache is unreachable (%s)", purpose, error)
