"""Cohorts: many model-students created at once, which a class can take in (cohort_attach) so that
its teachers read them."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from tutor.learning.services import cohort_create

from .access import IsApiClient, IsApiClientOrTeacher, cohort_readable
from .learners import course_and_planner, labels_unique
from .serializers import CohortIn, CohortOut, errors


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
