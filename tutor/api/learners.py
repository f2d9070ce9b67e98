"""Model-students over REST: a client creates learners, asks for the next item, posts answers, asks
the tutor and reads mastery. The owning client may do everything; a teacher of a class the learner
is enrolled in may only read (tutor.api.access)."""

from contextlib import contextmanager
from datetime import datetime

from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from psikt.curriculum import planner_names
from tutor.content.models import Course
from tutor.learning.knowledge import learner_state_locked
from tutor.learning.models import Attempt, LearnerState, TutorTurn
from tutor.learning.observations import tracer_time
from tutor.learning.services import model_learner_create
from tutor.learning.tutoring import TurnRejected, TurnResult, mastery_summary, turn_item, tutor_turn_take
from tutor.privacy.services import learner_erase

from .access import IsApiClient, IsApiClientOrTeacher, state_own, state_readable, states_stepped, stored_id
from .errors import ApiError
from .serializers import (
    AttemptNextIn,
    AttemptNextOut,
    AttemptRowOut,
    LearnerIn,
    LearnerMasteryOut,
    LearnerOut,
    MasteryQueryIn,
    NextOut,
    NextQueryIn,
    TutorIn,
    TutorOut,
    errors,
)
from .steps import client_verified_on_error, step_one
from .turns import attempt_body, turn_rejected


def course_and_planner(values: dict) -> tuple[Course, str]:
    """The course and planner a new learner (or cohort) asks for, else a 404/400 naming the problem."""
    course = Course.objects.filter(slug=values["course"]).first()
    if course is None:
        raise ApiError("unknown_course", f"no course {values['course']!r}", status.HTTP_404_NOT_FOUND)
    if values["planner"] not in planner_names():
        raise ApiError("unknown_planner", f"planner must be one of {planner_names()}",
                       fields={"planner": values["planner"]})
    return course, values["planner"]


@contextmanager
def labels_unique():
    """A model-student label the client already uses is a 409 (the database enforces uniqueness)."""
    try:
        yield
    except IntegrityError:
        raise ApiError("duplicate_external_id", "this client already has a learner with that external_id",
                       status.HTTP_409_CONFLICT) from None


def _learner_out(state: LearnerState) -> dict:
    return {"id": state.learner_id, "course": state.course.slug, "planner": state.planner,
            "external_id": state.learner.label, "cohort": state.learner.cohort_id}


def turn_over_http(state: LearnerState, *, item_id: int | None, step_key: str = "", answer: str | None = None,
                   message: str = "", graded: bool | None = None, idempotency_key: str = "",
                   answered_at: datetime | None = None) -> TurnResult:
    """A model-student's tutor turn over REST (arguments as tutoring.tutor_turn_take), its errors as
    API errors. `item_id` None: the learner's current item."""
    try:
        if item_id is not None:
            item = turn_item(learner=state.learner, item_id=item_id, course=state.course)
        elif state.current_item_id is not None:
            item = state.current_item
        else:
            raise ApiError("no_current_item", "this learner has no current item: give item, or call next/ first",
                           status.HTTP_409_CONFLICT)
        return tutor_turn_take(learner=state.learner, item=item, source="api", step_key=step_key, answer=answer,
                               message=message, graded=graded, idempotency_key=idempotency_key,
                               answered_at=answered_at)
    except TurnRejected as error:
        raise turn_rejected(error) from error


def attempt_take(*, state: LearnerState, values: dict) -> tuple[dict, int]:
    """One validated attempt (AttemptIn) through the tutor turn: the response body and its status, 201
    when stored, 200 when its idempotency key replayed the same request (422 when the key was first
    sent with another one). A bad attempt raises ApiError."""
    result = turn_over_http(
        state, item_id=values["item"], answered_at=values.get("timestamp"), step_key=values["step"],
        answer=values.get("answer"), graded=values["correct"], idempotency_key=values["idempotency_key"],
    )
    return attempt_body(result), status.HTTP_201_CREATED if result.created else status.HTTP_200_OK


class LearnerListView(APIView):
    permission_classes = (IsApiClient,)

    @extend_schema(request=LearnerIn, responses={201: LearnerOut, **errors(400, 401, 403, 404, 409)})
    def post(self, request):
        data = LearnerIn(data=request.data)
        data.is_valid(raise_exception=True)
        course, planner = course_and_planner(data.validated_data)
        with labels_unique():
            state = model_learner_create(api_client=request.user.api_client, course=course, planner=planner,
                                         label=data.validated_data["external_id"])
        return Response(_learner_out(state), status=status.HTTP_201_CREATED)


class LearnerDetailView(APIView):
    def get_permissions(self):
        # Teachers may read a model-student of their class; only the owning client may erase it.
        return [IsApiClient()] if self.request.method == "DELETE" else [IsApiClientOrTeacher()]

    @extend_schema(responses={200: LearnerOut, **errors(401, 403, 404)})
    def get(self, request, learner: int):
        return Response(_learner_out(state_readable(request, learner)))

    @extend_schema(responses={204: None, **errors(401, 403, 404)})
    def delete(self, request, learner: int):
        """Erase the learner from every store (attempts, tutor turns, tracer and planner state,
        cached aggregates); the erasure is recorded in the audit trail."""
        state = state_own(request, learner)
        learner_erase(learner=state.learner, actor_client=request.user.api_client)
        return Response(status=status.HTTP_204_NO_CONTENT)


class NextItemView(APIView):
    # Choosing the next item moves the planner's state: a write, for the owner only.
    permission_classes = (IsApiClient,)
    client_checked_in_query = frozenset({"GET"})  # access.states_stepped

    @extend_schema(parameters=[NextQueryIn], responses={200: NextOut, **errors(400, 401, 403, 404)})
    @client_verified_on_error
    def get(self, request, learner: int):
        """The learner's next item. Idempotent: until an answer (or a skip) is recorded in the item's
        visit, asking again returns the item already served, with its reason."""
        query = NextQueryIn(data=request.query_params)
        query.is_valid(raise_exception=True)
        step = step_one({"at": query.validated_data.get("at")}, states=states_stepped(request), learner=stored_id(learner),
                        principal=request.user)
        return Response(step.body()["next"])


class AttemptListView(ListAPIView):
    serializer_class = AttemptRowOut
    client_checked_in_query = frozenset({"POST"})  # with "next": access.states_stepped; without, state_own reads the client

    def get_permissions(self):
        return [IsApiClient() if self.request.method == "POST" else IsApiClientOrTeacher()]

    def get_queryset(self):
        state = state_readable(self.request, self.kwargs["learner"])
        return Attempt.objects.filter(learner_id=state.learner_id).order_by("id")

    @extend_schema(responses={200: AttemptRowOut(many=True), **errors(401, 403, 404)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=AttemptNextIn,
                   responses={201: AttemptNextOut, 200: AttemptNextOut, **errors(400, 401, 403, 404, 409, 422)})
    @client_verified_on_error
    def post(self, request, learner: int):
        """Answer an item. With `"next": true` the response also holds the learner's next item (the
        answer and the serving in one transaction): a simulated step in one round trip."""
        data = AttemptNextIn(data=request.data)
        if not data.is_valid() or not data.validated_data["next"]:
            state = state_own(request, learner)  # the owner's learner (404) before the body's errors (400)
            data.is_valid(raise_exception=True)
            body, code = attempt_take(state=state, values=data.validated_data)
            return Response(body, status=code)
        body = step_one(data.validated_data, states=states_stepped(request), learner=stored_id(learner),
                        principal=request.user).body()
        return Response({**body["attempt"], "next": body["next"]}, status=body["status"])


class TutorView(APIView):
    permission_classes = (IsApiClient,)

    @extend_schema(request=TutorIn, responses={201: TutorOut, 202: TutorOut, **errors(400, 401, 403, 404, 409)})
    def post(self, request, learner: int):
        """One tutor turn on the learner's message about an item (default: their current item).

        201 with the text when it is written at once (the rule backend); with a language model the
        move is decided now and the text is written in the background: 202 with status "pending"
        and a Location header naming the turn, to read until its status is "done"."""
        state = state_own(request, learner)
        data = TutorIn(data=request.data)
        data.is_valid(raise_exception=True)
        turn = turn_over_http(state, item_id=data.validated_data.get("item"),
                              message=data.validated_data["message"]).turn
        if turn.status == TutorTurn.DONE:
            return Response(TutorOut(turn).data, status=status.HTTP_201_CREATED)
        location = reverse("learner-tutor-turn", kwargs={"learner": learner, "turn": turn.pk})
        return Response(TutorOut(turn).data, status=status.HTTP_202_ACCEPTED, headers={"Location": location})


class TutorTurnView(APIView):
    permission_classes = (IsApiClientOrTeacher,)

    @extend_schema(responses={200: TutorOut, **errors(401, 403, 404)})
    def get(self, request, learner: int, turn: int):
        """One of the learner's tutor turns: poll a pending turn here until its status is "done"."""
        state = state_readable(request, learner)
        return Response(TutorOut(get_object_or_404(TutorTurn, learner_id=state.learner_id, pk=stored_id(turn))).data)


class MasteryView(APIView):
    permission_classes = (IsApiClientOrTeacher,)

    @extend_schema(parameters=[MasteryQueryIn], responses={200: LearnerMasteryOut, **errors(400, 401, 403, 404)})
    def get(self, request, learner: int):
        """P(mastered) per KC after the last answer, and the recall predicted at `at` (forgetting)."""
        state = state_readable(request, learner)
        query = MasteryQueryIn(data=request.query_params)
        query.is_valid(raise_exception=True)
        at = query.validated_data.get("at") or timezone.now()
        with transaction.atomic():
            state, engine = learner_state_locked(learner=state.learner, course=state.course)
        later = engine.tracer.mastery(state.tracer_state, tracer_time(at))
        mastery = {kc: {**m, "recall_at": later[kc].p} for kc, m in mastery_summary(engine, state).items()}
        return Response({"at": at, "mastery": mastery, "traits": engine.tracer.traits(state.tracer_state)})
