"""What the learning record tells the apps built on it, without importing them.

`learning` publishes; an app that must react (the dashboard's live overview and cache) connects a
receiver in its `AppConfig.ready()`. So the arrows between apps point one way: dashboard -> learning,
never back. These are Django signals sent once the publishing transaction commits, robustly: a
failing receiver is logged (django.dispatch) and never fails the answer or erasure that sent it.
"""

from django.db import transaction
from django.dispatch import Signal

answer_recorded = Signal()  # learner_id: a new answer is in the log and folded into the learner's state
learner_erased = Signal()  # classroom_ids: an erased learner's data left these classes


def publish(signal: Signal, **payload) -> None:
    """Send `signal` with `payload` after the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: signal.send_robust(sender=None, **payload))
