"""Celery queues by kind of work, each with workers of its own (docs/serving.md), so that a job of one
kind never waits behind another kind: a 30-minute refit must not hold up a tutor reply that a learner
is waiting for.

- interactive: a learner is waiting now (a model's reply to a REST tutor turn, re-queueing lost ones);
- updates: per-learner bookkeeping that should land within seconds or minutes (trait estimates, state
  refreshes);
- long: jobs of minutes to an hour that nobody waits for (tracer refits, class aggregates).

A worker started without -Q consumes every queue (the embedded and test set-ups); a task of the
project that is missing here goes to `updates`, and tests/tutor/test_queues.py fails until it is routed.
"""

from kombu import Exchange, Queue

INTERACTIVE, UPDATES, LONG = "interactive", "updates", "long"

# Each queue on an exchange and routing key of its own: queues that shared Celery's default exchange
# and key would each receive a copy of every task.
QUEUES = tuple(Queue(name, Exchange(name), routing_key=name) for name in (INTERACTIVE, UPDATES, LONG))
DEFAULT_QUEUE = UPDATES

ROUTES = {
    "tutor.learning.tasks.tutor_turn_generate": {"queue": INTERACTIVE},
    "tutor.learning.tasks.tutor_turns_pending_requeue": {"queue": INTERACTIVE},
    "tutor.learning.tasks.learner_traits_estimate": {"queue": UPDATES},
    "tutor.learning.tasks.learner_states_refresh": {"queue": UPDATES},
    "tutor.learning.tasks.tracer_refit": {"queue": LONG},
    "tutor.learning.tasks.tracers_refit_all": {"queue": LONG},
    "tutor.dashboard.tasks.class_aggregates_precompute": {"queue": LONG},
    "tutor.dashboard.tasks.planner_comparison_run": {"queue": LONG},
}
