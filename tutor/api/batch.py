"""Many attempts for many learners in one request: each learner's attempts in request order, in one
transaction per learner (all or nothing for that learner), through the same path as single attempts.
At most MAX_BATCH attempts a request, and each counts against the caller's rate (tutor.api.throttling)."""

from django.db import transaction
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from .access import IsApiClient, states_own
from .errors import INVALID, ApiError, error_body
from .learners import attempt_take
from .serializers import MAX_BATCH, BatchAttemptIn, BatchIn, BatchOut, errors

NOT_APPLIED = status.HTTP_424_FAILED_DEPENDENCY


def _learner_of(entry) -> int | None:
    """The learner an entry is for, when it names one, so that a malformed entry fails its group."""
    field = BatchAttemptIn().fields["learner"]
    try:
        return field.run_validation(entry.get("learner"))
    except serializers.ValidationError:
        return None


class AttemptBatchView(APIView):
    permission_classes = (IsApiClient,)

    @staticmethod
    def throttle_cost(request) -> int:
        """Each attempt counts as one request against the rate; a batch refused for its size (413)
        does no work and counts once."""
        attempts = request.data.get("attempts") if isinstance(request.data, dict) else None
        return len(attempts) if isinstance(attempts, list) and 0 < len(attempts) <= MAX_BATCH else 1

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
        entries = data.validated_data["attempts"]
        results: list[dict | None] = [None] * len(entries)
        groups: dict[int, list[tuple[int, dict | None]]] = {}
        for index, entry in enumerate(entries):
            row = BatchAttemptIn(data=entry)
            if row.is_valid():
                groups.setdefault(row.validated_data["learner"], []).append((index, row.validated_data))
                continue
            learner = _learner_of(entry)
            results[index] = {"index": index, "learner": learner, "status": status.HTTP_400_BAD_REQUEST,
                              "error": error_body("invalid", INVALID, row.errors)}
            if learner is not None:
                groups.setdefault(learner, []).append((index, None))
        states = {state.learner_id: state for state in states_own(request).filter(learner_id__in=groups)}
        for learner, group in groups.items():
            self._apply(states.get(learner), learner, group, results)
        failed = sum(result["status"] >= 400 for result in results)
        return Response({"results": results, "applied": len(results) - failed, "failed": failed})

    @staticmethod
    def _apply(state, learner: int, group: list[tuple[int, dict | None]], results: list) -> None:
        """Store one learner's entries in order, or none of them; fills their results."""
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
                        body, code = attempt_take(state=state, values=values)
                        done[index] = {"index": index, "learner": learner, "status": code, "attempt": body}
                    failing = None
            except ApiError as error:
                fail(failing, error.status_code, error_body(error.error_code, str(error.detail), error.fields))
            except Http404 as error:  # erased while the batch ran: the learners before it stay stored
                fail(failing, status.HTTP_404_NOT_FOUND, error_body("not_found", str(error)))
        if failing is None:
            for index, result in done.items():
                results[index] = result
            return
        for index, values in group:
            if index != failing and values is not None:
                fail(index, NOT_APPLIED, error_body("learner_rolled_back", f"attempt {failing} of this learner failed: "
                                                "none of this learner's attempts in the batch were stored"))
