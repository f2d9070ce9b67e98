"""Who may see which model-student: the API client that owns it (read and write) and the teachers of
a class it is enrolled in (read only). Everyone else gets 404 for its id, never a hint that it exists."""

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from rest_framework.permissions import BasePermission

from tutor.learning.models import Cohort, Enrollment, Learner, LearnerState

from .authentication import checks_client_in_query, client_live
from .serializers import MAX_ID


def _client(user):
    """The API client behind the request, read and checked (authentication.ClientPrincipal)."""
    return getattr(user, "api_client", None)




def _teaches(user) -> bool:
    """A teacher by role (`User.may_teach`, the dashboard's rule too) listed as a teacher of a class."""
    return _client(user) is None and user.is_authenticated and user.may_teach and user.teaching.exists()


class IsApiClient(BasePermission):
    """Writes (and next/, which moves the planner) are for the owning program only."""

    message = "this endpoint is for API clients (Authorization: Token <key>)"

    def has_permission(self, request, view):
        if checks_client_in_query(view, request.method):
            # The client is checked in the query that locks the learners (states_stepped).
            return getattr(request.user, "client_id", None) is not None
        return _client(request.user) is not None


class IsApiClientOrTeacher(BasePermission):
    """Reads are also open to teachers; which learners they see is decided per object."""

    message = "this endpoint is for API clients and for teachers of a class"

    def has_permission(self, request, view):
        return _client(request.user) is not None or _teaches(request.user)


def learner_states_readable(*, user) -> QuerySet[LearnerState]:
    states = LearnerState.objects.select_related("learner", "course")
    if (client := _client(user)) is not None:
        return states.filter(learner__api_client=client)
    if not (user.is_authenticated and user.may_teach):
        return states.none()
    taught = Enrollment.objects.filter(classroom__teachers=user).values("learner_id")
    return states.filter(learner__kind=Learner.Kind.MODEL, learner_id__in=taught)


def stored_id(pk: int) -> int:
    """A path id the database can look up (the URL accepts any digits); others are simply not found."""
    if not 0 < pk <= MAX_ID:
        raise Http404
    return pk


def state_readable(request, learner_id: int) -> LearnerState:
    learner_id = stored_id(learner_id)
    return get_object_or_404(learner_states_readable(user=request.user), learner_id=learner_id)


def states_own(request) -> QuerySet[LearnerState]:
    return LearnerState.objects.select_related("learner", "course").filter(learner__api_client=_client(request.user))


def states_stepped(request) -> QuerySet[LearnerState]:
    """The client's own learners for a step endpoint (`client_checked_in_query`): by the client's
    id, with `client_live` (whether it may still act) for the caller to check on the locked rows."""
    return (LearnerState.objects.select_related("learner", "course").filter(learner__api_client_id=request.user.client_id)
            .annotate(client_live=client_live("learner__api_client__")))


def state_own(request, learner_id: int) -> LearnerState:
    """The client's own learner (with its course state), else 404."""
    learner_id = stored_id(learner_id)
    return get_object_or_404(states_own(request), learner_id=learner_id)


def cohort_readable(request, cohort_id: int) -> tuple[Cohort, list[int]]:
    """The cohort and the ids of its learners the caller may read (a teacher: those in their classes)."""
    cohort_id = stored_id(cohort_id)
    readable = learner_states_readable(user=request.user).filter(learner__cohort_id=cohort_id)
    cohorts = Cohort.objects.select_related("course")
    if (client := _client(request.user)) is not None:
        cohort = get_object_or_404(cohorts, pk=cohort_id, api_client=client)
    else:
        cohort = get_object_or_404(cohorts.filter(learners__in=readable.values("learner_id")).distinct(), pk=cohort_id)
    return cohort, list(readable.order_by("learner_id").values_list("learner_id", flat=True))
