"""The server's clock for the log's own timestamps (Attempt.recorded_at, TutorTurn.created_at): when the
server stored an answer or a reply, which the teacher's pages read ("working now", sessions, the order of
a learner's work) beside the learner's own `answered_at`.

It is the wall clock, except while `replaying_at` replays history that happened at another time (the
demo's simulated week, tutor.dashboard.demo): rows stored then carry the moment replayed, as if the
server had stored them then, so that the pages show the week as a class would have lived it rather
than everything at the moment of seeding. A context variable, so it holds for the replaying thread or
task only; no request path sets it, and the rows stay append-only (nothing is ever re-dated).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.utils import timezone

_replayed_moment: ContextVar[datetime | None] = ContextVar("replayed_moment", default=None)


def server_now() -> datetime:
    """When the server stores a row now: the wall clock, or the moment being replayed."""
    return _replayed_moment.get() or timezone.now()


@contextmanager
def replaying_at(moment: datetime) -> Iterator[None]:
    """Store the rows created inside the block as stored at `moment` (aware, never in the future: a
    replay writes history, and a row from the future would read as activity that has not happened)."""
    if timezone.is_naive(moment):
        raise ValueError("a replayed moment must be timezone-aware")
    if moment > timezone.now():
        raise ValueError(f"a replay writes history: {moment.isoformat()} is in the future")
    token = _replayed_moment.set(moment)
    try:
        yield
    finally:
        _replayed_moment.reset(token)
