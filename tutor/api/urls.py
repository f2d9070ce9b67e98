from django.http import JsonResponse
from django.urls import path, re_path

from . import batch, cohorts, learners, views
from .errors import error_body


def unknown_endpoint(request):
    """Any other path under the API is a JSON 404 too (Django's own page would be HTML)."""
    return JsonResponse(error_body("not_found", "no such endpoint (see /api/docs/)"), status=404)


def slash_optional(patterns: list) -> list:
    """Each route, and the same route without its trailing slash served by the same view.

    A path without the slash used to be redirected (APPEND_SLASH, 301) and clients re-send a
    redirected POST as a GET: the answer was lost (issue 18, defect 13). The slashless twin is
    unnamed (`reverse` gives the documented path) and left out of the schema (`schema = None`)."""
    routes = []
    for pattern in patterns:
        view = pattern.callback.view_class
        unlisted = type(view.__name__, (view,), {"schema": None, "__doc__": view.__doc__, "__module__": view.__module__})
        routes += [pattern, path(str(pattern.pattern).removesuffix("/"), unlisted.as_view(**pattern.callback.view_initkwargs))]
    return routes


urlpatterns = slash_optional([
    path("courses/", views.CourseListView.as_view(), name="course-list"),
    path("courses/<slug:course>/", views.CourseDetailView.as_view(), name="course-detail"),
    path("courses/<slug:course>/graph/", views.CourseGraphView.as_view(), name="course-graph"),
    path("learners/", learners.LearnerListView.as_view(), name="learner-list"),
    path("learners/<int:learner>/", learners.LearnerDetailView.as_view(), name="learner-detail"),
    path("learners/<int:learner>/next/", learners.NextItemView.as_view(), name="learner-next"),
    path("learners/<int:learner>/attempts/", learners.AttemptListView.as_view(), name="learner-attempts"),
    path("learners/<int:learner>/mastery/", learners.MasteryView.as_view(), name="learner-mastery"),
    path("learners/<int:learner>/tutor/", learners.TutorView.as_view(), name="learner-tutor"),
    path("learners/<int:learner>/tutor/<int:turn>/", learners.TutorTurnView.as_view(), name="learner-tutor-turn"),
    path("cohorts/", cohorts.CohortListView.as_view(), name="cohort-list"),
    path("cohorts/<int:cohort>/", cohorts.CohortDetailView.as_view(), name="cohort-detail"),
    path("cohorts/<int:cohort>/step/", cohorts.CohortStepView.as_view(), name="cohort-step"),
    path("attempts/batch/", batch.AttemptBatchView.as_view(), name="attempt-batch"),
]) + [
    # Everything else under the API, with or without a slash: a JSON 404, never a redirect.
    re_path(r"", unknown_endpoint),
]
