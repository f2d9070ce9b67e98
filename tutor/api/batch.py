"""Many attempts for many learners in one request: each learner's attempts in request order, in one
transaction per learner (all or nothing for that learner), through the same path as single attempts.
At most MAX_BATCH attempts a request, and each counts against the caller's rate (tutor.api.throttling).
The grouping and the failure of a learner's entries are shared with the cohort step (entries.py)."""

from collections.abc import Callable

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from tutor.learning.models import LearnerState

from .access import IsApiClient, states_own
from .entries import Group, entries_body, entries_cost, entries_grouped, group_failed, learner_unknown
from .errors import ApiError
from .learners import attempt_take
from .serializers import MAX_BATCH, BatchAttemptIn, BatchIn, BatchOut, errors

# What an entry does once valid: its learner's locked-up state and its values -> its result's fields
# (at least "status"). Raises ApiError (or Http404) to fail its learner's group.
EntryTake = Callable[[LearnerState, dict], dict]


def entries_apply(entries: list[dict], *, row_class: type[serializers.Serializer], states: QuerySet[LearnerState],
                  take: EntryTake) -> dict:
    """Each entry validated by `row_class` and taken by `take`, each learner's entries in request
    order in one transaction, all or none of them; learners in ascending id order (their locks are
    taken in one fixed order). `states`: the learners the caller may step (others: 404 per entry).
    Returns the response body: results in request order, applied, failed."""
    results, groups = entries_grouped(entries, row_class)
    found = {state.learner_id: state for state in states.filter(learner_id__in=groups)}
    for learner in sorted(groups):
        _apply(found.get(learner), learner, groups[learner], results, take)
    return entries_body(results)


def _apply(state, learner: int, group: Group, results: list, take: EntryTake) -> None:
    """Take one learner's entries in order, or none of them; fills their results."""
    if state is None:
        learner_unknown(results, learner, group)
        return
    failing = next((index for index, values in group if values is None), None)
    done: dict[int, dict] = {}
    error = None
    if failing is None:
        try:
            with transaction.atomic():
                for index, values in group:
                    failing = index
                    done[index] = {"index": index, "learner": learner, **take(state, values)}
                failing = None
        except (ApiError, Http404) as raised:
            error = raised
    if failing is None:
        for index, result in done.items():
            results[index] = result
        return
    group_failed(results, learner, group, failing, error)


def _attempt_entry(state: LearnerState, values: dict) -> dict:
    body, code = attempt_take(state=state, values=values)
    return {"status": code, "attempt": body}


class AttemptBatchView(APIView):
    permission_classes = (IsApiClient,)

    @staticmethod
    def throttle_cost(request) -> int:
        """Each attempt counts as one request against the rate."""
        return entries_cost(request.data.get("attempts") if isinstance(request.data, dict) else None)

    @extend_schema(
        request=BatchIn, responses={200: BatchOut, **errors(400, 401, 403, 413, 429)},
        description=f"At most {MAX_BATCH} attempts per request (more: 413 `batch_too_large`). Each attempt "
                    "counts as one request against the client's rate limit; a batch larger than the allowance "
                    "left in the current window is refused whole with a 429 and a Retry-After header (seconds), "
                    "before any attempt is stored.",
    )
    def post(self, request):
        data = BatchIn(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(entries_apply(data.validated_data["attempts"], row_class=BatchAttemptIn,
                                      states=states_own(request), take=_attempt_entry))
