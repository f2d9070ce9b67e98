"""Cohorts: many model-students created at once, which a class can take in (cohort_attach) so that
its teachers read them."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from tutor.learning.models import Cohort
from tutor.learning.services import cohort_create

from .access import IsApiClient, IsApiClientOrTeacher, cohort_readable, states_stepped, stored_id
from .entries import entries_cost
from .learners import course_and_planner, labels_unique
from .serializers import MAX_BATCH, CohortIn, CohortOut, CohortStepEntryIn, CohortStepIn, CohortStepOut, errors
from .steps import client_verified_on_error, steps_apply


def _cohort_out(cohort, learner_ids: list[int]) -> dict:
    return {"id": cohort.pk, "course": cohort.course.slug, "planner": cohort.planner, "name": cohort.name,
            "learners": learner_ids}


class CohortListView(APIView):
    permission_classes = (IsApiClient,)

    @extend_schema(request=CohortIn, responses={201: CohortOut, **errors(400, 401, 403, 404, 409)})
    def post(self, request):
        """A cohort and all its model-students in one transaction."""
        data = CohortIn(data=request.data)
        data.is_valid(raise_exception=True)
        course, planner = course_and_planner(data.validated_data)
        # Generated labels ("cohort<id>-<n>") can only clash with a learner the client named that way.
        with labels_unique():
            cohort = cohort_create(api_client=request.user.api_client, course=course, planner=planner,
                                   size=data.validated_data["size"], name=data.validated_data["name"])
        learner_ids = list(cohort.learners.order_by("pk").values_list("pk", flat=True))
        return Response(_cohort_out(cohort, learner_ids), status=status.HTTP_201_CREATED)


class CohortDetailView(APIView):
    permission_classes = (IsApiClientOrTeacher,)

    @extend_schema(responses={200: CohortOut, **errors(401, 403, 404)})
    def get(self, request, cohort: int):
        return Response(_cohort_out(*cohort_readable(request, cohort)))


class CohortStepView(APIView):
    """Step many learners of a cohort at once, as a vectorised environment steps its copies."""

    permission_classes = (IsApiClient,)
    client_checked_in_query = frozenset({"POST"})  # access.states_stepped

    @staticmethod
    def throttle_cost(request) -> int:
        """Each entry counts as one request against the rate."""
        return entries_cost(request.data.get("entries") if isinstance(request.data, dict) else None)

    @extend_schema(
        request=CohortStepIn, responses={200: CohortStepOut, **errors(400, 401, 403, 404, 413, 429)},
        description=f"Each entry is a learner of the cohort with its answer to the item it was served (`item` "
                    "and `correct` or `answer`, optional `step`, `idempotency_key`, `timestamp`), or the learner "
                    "alone for a first step. Each result gives the answer's verdict and mastery (`attempt`) and "
                    "the learner's next item (`next`, as next/ serves it, at the answer's timestamp). A learner's "
                    "entries are applied in order, all or none of them (a failed entry: its error, the others "
                    f"of that learner 424). At most {MAX_BATCH} entries (more: 413 `batch_too_large`); each "
                    "counts as one request against the client's rate limit (429 with Retry-After, nothing applied).",
    )
    @client_verified_on_error
    def post(self, request, cohort: int):
        cohort = get_object_or_404(Cohort, pk=stored_id(cohort), api_client_id=request.user.client_id)
        data = CohortStepIn(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(steps_apply(data.validated_data["entries"], row_class=CohortStepEntryIn,
                                    states=states_stepped(request).filter(learner__cohort=cohort),
                                    principal=request.user))
