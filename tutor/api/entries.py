"""Requests that carry many learners' entries (attempts/batch/, cohorts/{id}/step/): the entries
validated and grouped by learner, what a request costs against the rate, and the results of a
learner's entries when one of them fails (all or none of a learner's entries are stored)."""

from django.http import Http404
from rest_framework import serializers, status

from .errors import INVALID, ApiError, error_body
from .serializers import MAX_BATCH

NOT_APPLIED = status.HTTP_424_FAILED_DEPENDENCY


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


Group = list[tuple[int, dict | None]]  # a learner's entries: (index, validated values or None when invalid)


def entries_grouped(entries: list[dict], row_class: type[serializers.Serializer]) -> tuple[list, dict[int, Group]]:
    """Each entry validated by `row_class` (which has a `learner`), grouped by learner in request
    order; the results list holds the 400s of entries that are invalid (None for the others)."""
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
    return results, groups


def entries_body(results: list[dict]) -> dict:
    failed = sum(result["status"] >= 400 for result in results)
    return {"results": results, "applied": len(results) - failed, "failed": failed}


def entry_failed(results: list, index: int, learner: int, code: int, error: dict) -> None:
    results[index] = {"index": index, "learner": learner, "status": code, "error": error}


def learner_unknown(results: list, learner: int, group: Group) -> None:
    """A learner the caller may not step (or none such): 404 for each of its valid entries."""
    for index, values in group:
        if values is not None:
            entry_failed(results, index, learner, status.HTTP_404_NOT_FOUND, error_body("not_found", "no such learner"))


def group_failed(results: list, learner: int, group: Group, failing: int, error: Exception | None) -> None:
    """A learner's entries when entry `failing` failed (`error`, None when it was invalid): its
    error, and 424 for the others of the learner (none of them stored)."""
    if isinstance(error, ApiError):
        entry_failed(results, failing, learner, error.status_code,
                     error_body(error.error_code, str(error.detail), error.fields))
    elif isinstance(error, Http404):  # erased while the request ran: the learners before it stay stored
        entry_failed(results, failing, learner, status.HTTP_404_NOT_FOUND, error_body("not_found", str(error)))
    for index, values in group:
        if index != failing and values is not None:
            entry_failed(results, index, learner, NOT_APPLIED, error_body(
                "learner_rolled_back", f"attempt {failing} of this learner failed: "
                "none of this learner's attempts in the batch were stored"))


