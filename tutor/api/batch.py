"""Many attempts for many learners in one request: each learner's attempts in request order, in one
transaction per learner (all or nothing for that learner), through the same path as single attempts.
At most MAX_BATCH attempts a request, and each counts against the caller's rate (tutor.api.throttling).

`entries_apply` is that per-learner machinery, shared with the cohort step endpoint (cohorts.py)."""

from collections.abc import Callable

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from tutor.learning.models import LearnerState

from .access import IsApiClient, states_own
from .errors import INVALID, ApiError, error_body
from .learners import attempt_take
from .serializers import MAX_BATCH, BatchAttemptIn, BatchIn, BatchOut, errors

NOT_APPLIED = status.HTTP_424_FAILED_DEPENDENCY
# What an entry does once valid: its learner's locked-up state and its values -> its result's fields
# (at least "status"). Raises ApiError (or Http404) to fail its learner's group.
EntryTake = Callable[[LearnerState, dict], dict]


def entries_cost(entries) -> int:
    """A request's cost against the rate (throttle_cost): one per entry; a request refused for its
    size (413) does no work and counts once."""
    return len(entries) if isinstance(entries, list) and 0 < len(entries) <= MAX_BATCH else 1


def _learner_of(entry, row_class: type[serializers.Serializer]) -> int | None:
    """The learner an entry is for, when it names one, so that a malformed entry fails its group."""
    field = row_class().fields["learner"]
    try:
        return field.run_validation(entry.get("learner"))
    except serializers.ValidationError:
        return None


def entries_apply(entries: list[dict], *, row_class: type[serializers.Serializer], states: QuerySet[LearnerState],
                  take: EntryTake) -> dict:
    """Each entry validated by `row_class` (which has a `learner`) and taken by `take`, each learner's
    entries in request order in one transaction, all or none of them; learners in ascending id order
    (their locks are taken in one fixed order). `states`: the learners the caller may step (others:
    404 per entry). Returns the response body: results in request order, applied, failed."""
    results: list[dict | None] = [None] * len(entries)
    groups: dict[int, list[tuple[int, dict | None]]] = {}
    for index, entry in enumerate(entries):
        row = row_class(data=entry)
        if row.is_valid():
            groups.setdefault(row.validated_data["learner"], []).append((index, row.validated_data))
            continue
        learner = _learner_of(entry, row_class)
        results[index] = {"index": index, "learner": learner, "status": status.HTTP_400_BAD_REQUEST,
                          "error": error_body("invalid", INVALID, row.errors)}
        if learner is not None:
            groups.setdefault(learner, []).append((index, None))
    found = {state.learner_id: state for state in states.filter(learner_id__in=groups)}
    for learner in sorted(groups):
        _apply(found.get(learner), learner, groups[learner], results, take)
    failed = sum(result["status"] >= 400 for result in results)
    return {"results": results, "applied": len(results) - failed, "failed": failed}


def _apply(state, learner: int, group: list[tuple[int, dict | None]], results: list, take: EntryTake) -> None:
    """Take one learner's entries in order, or none of them; fills their results."""
    def fail(index: int, code: int, error: dict) -> None:
        results[index] = {"index": index, "learner": learner, "status": code, "error": error}

    if state is None:
        for index, values in group:
            if values is not None:
                fail(index, status.HTTP_404_NOT_FOUND, error_body("not_found", "no such learner"))
        return
    failing = next((index for index, values in group if values is None), None)
    done: dict[int, dict] = {}
    if failing is None:
        try:
            with transaction.atomic():
                for index, values in group:
                    failing = index
                    done[index] = {"index": index, "learner": learner, **take(state, values)}
                failing = None
        except ApiError as error:
            fail(failing, error.status_code, error_body(error.error_code, str(error.detail), error.fields))
        except Http404 as error:  # erased while the request ran: the learners before it stay stored
            fail(failing, status.HTTP_404_NOT_FOUND, error_body("not_found", str(error)))
    if failing is None:
        for index, result in done.items():
            results[index] = result
        return
    for index, values in group:
        if index != failing and values is not None:
            fail(index, NOT_APPLIED, error_body("learner_rolled_back", f"attempt {failing} of this learner failed: "
                                                "none of this learner's attempts in the batch were stored"))


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
