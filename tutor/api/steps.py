"""Simulated steps over REST: an answer and the learner's next item, for many learners of a cohort in
one request (`cohorts/{id}/step/`) or for one (`attempts/` with `"next": true`).

Both go through tutor.learning.stepping: the learners' states are locked and read in bulk, each
learner's entries run the one tutor turn and serving in memory, all or none of them, and what they
added is written in bulk, so the queries of a request do not grow with its entries. The responses
are rendered once the writes are flushed (the stored rows have their ids by then).
"""

import functools
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404
from rest_framework import status
from rest_framework.exceptions import APIException, AuthenticationFailed

from tutor.content.models import Item
from tutor.learning.knowledge import next_item_serve
from tutor.learning.models import LearnerState
from tutor.learning.stepping import CohortLog, LearnerView, cohort_locked
from tutor.learning.tutoring import TurnRejected, TurnResult, turn_ask, turn_in_state

from .entries import Group, entries_body, entries_grouped, group_failed, learner_unknown
from .errors import ApiError
from .turns import attempt_body, next_out, turn_rejected


@dataclass
class Step:
    """One entry's outcome, rendered after the flush."""

    view: LearnerView
    result: TurnResult | None  # None: no answer (a first step)
    item: Item
    reason: dict

    def body(self) -> dict:
        """The entry's result fields: status, `attempt` (when answered) and `next`."""
        served = next_out(self.item, self.reason, self.view.engine.content.of(self.item))
        if self.result is None:
            return {"status": status.HTTP_200_OK, "next": served}
        code = status.HTTP_201_CREATED if self.result.created else status.HTTP_200_OK
        return {"status": code, "attempt": attempt_body(self.result), "next": served}


def _item(view: LearnerView, item_id: int) -> Item:
    item = view.item(item_id)
    if item is None:
        raise ApiError("unknown_item", "no such item in this learner's course", status.HTTP_404_NOT_FOUND,
                       fields={"item": item_id})
    return item


def step_take(view: LearnerView, values: dict) -> Step:
    """One validated entry (AttemptIn, with an optional `at`): its answer when it names an item, then
    the learner's next item at `at` (default: the answer's timestamp). Raises ApiError."""
    result = None
    if values.get("item"):
        item = _item(view, values["item"])
        try:
            ask = turn_ask(item=item, source="api", step_keys=lambda: view.step_keys(item), step_key=values["step"],
                           answer=values.get("answer"), graded=values["correct"],
                           idempotency_key=values["idempotency_key"], answered_at=values.get("timestamp"))
            result = turn_in_state(ask=ask, state=view.state, engine=view.engine, log=view)
        except TurnRejected as error:
            raise turn_rejected(error) from error
    item, reason = next_item_serve(state=view.state, engine=view.engine, log=view,
                                   now=values.get("at") or values.get("timestamp"))
    return Step(view, result, item, reason)


def _answering(groups: dict[int, Group]) -> tuple[set[int], set[str], set[int]]:
    """The learners whose entries answer, the idempotency keys and the items the entries name."""
    learners, keys, items = set(), set(), set()
    for learner, group in groups.items():
        for _, values in group:
            if values is not None and values.get("item"):
                learners.add(learner)
                items.add(values["item"])
                if values.get("idempotency_key"):
                    keys.add(values["idempotency_key"])
    return learners, keys, items


def _learner_steps(view: LearnerView, learner: int, group: Group, results: list, done: dict) -> None:
    """One learner's entries in order, all or none of them (their results, or the group's failure)."""
    failing = next((index for index, values in group if values is None), None)
    if failing is not None:
        group_failed(results, learner, group, failing, None)
        return
    steps = {}
    try:
        with view.all_or_nothing():
            for index, values in group:
                failing = index
                steps[index] = step_take(view, values)
    except ApiError as error:
        group_failed(results, learner, group, failing, error)
        return
    done.update({index: (learner, step) for index, step in steps.items()})


def _client_checked(log: CohortLog, principal) -> None:
    """The client may still act: as the locked rows say (access.states_stepped), else read (401 if not)."""
    views = list(log.views.values())
    if not views:
        principal.verify()
    elif not views[0].state.client_live:
        raise AuthenticationFailed("invalid or inactive token")


def steps_apply(entries: list[dict], *, row_class, states: QuerySet[LearnerState], principal) -> dict:
    """The cohort step's response body for its entries (validated by `row_class`), `states` the
    learners the caller may step (others: 404 per entry; access.states_stepped), `principal` the caller."""
    results, groups = entries_grouped(entries, row_class)
    learners, keys, items = _answering(groups)
    done: dict[int, tuple[int, Step]] = {}
    with cohort_locked(states, groups, answering=learners, keys=keys, item_ids=items) as log:
        _client_checked(log, principal)
        for learner in sorted(groups):
            view = log.learner(learner)
            if view is None:
                learner_unknown(results, learner, groups[learner])
            else:
                _learner_steps(view, learner, groups[learner], results, done)
    for index, (learner, step) in done.items():
        results[index] = {"index": index, "learner": learner, **step.body()}
    return entries_body(results)


def step_one(values: dict, *, states: QuerySet[LearnerState], learner: int, principal) -> Step:
    """One learner's step (404 when `states` lacks the learner): `attempts/` with `"next": true`, and
    `next/` (no answer in `values`, only `at`)."""
    answers = bool(values.get("item"))
    keys = [values["idempotency_key"]] if answers and values.get("idempotency_key") else []
    with cohort_locked(states, [learner], answering=[learner] if answers else [], keys=keys,
                       item_ids=[values["item"]] if answers else []) as log:
        _client_checked(log, principal)
        view = log.learner(learner)
        if view is None:
            raise Http404
        step = step_take(view, values)
    return step


def client_verified_on_error(handler):
    """For a view that checks its client in its locking query (`client_checked_in_query`): a request
    that fails before that query (bad body, unknown id) checks the client first, so that a token
    that may no longer act gets its 401, as it would have from authentication."""
    @functools.wraps(handler)
    def checked(view, request, *args, **kwargs):
        try:
            return handler(view, request, *args, **kwargs)
        except (APIException, Http404):
            request.user.verify()
            raise
    return checked
