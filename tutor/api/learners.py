"""Model-students over REST: a client creates learners, asks for the next item, posts answers and
reads mastery. A client sees only its own learners; any other id answers 404."""

from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from curriculum import planner_names
from tutor.content.models import Course, Item
from tutor.learning.knowledge import learner_state_locked, next_item_choose
from tutor.learning.models import Attempt, Learner, LearnerState
from tutor.learning.services import TimeWentBackwards
from tutor.learning.tutoring import mastery_summary, tutor_turn_take

from .errors import ApiError
from .serializers import AttemptIn, AttemptOut, AttemptRowOut, LearnerIn, LearnerOut, NextOut


class IsApiClient(BasePermission):
    message = "this endpoint is for API clients (Authorization: Token <key>)"

    def has_permission(self, request, view):
        return getattr(request.user, "api_client", None) is not None


def _learner_out(state: LearnerState) -> dict:
    return {"id": state.learner_id, "course": state.course.slug, "planner": state.planner,
            "external_id": state.learner.label}


def own_state(request, learner_id: int) -> LearnerState:
    """The client's own learner (with its course state), else 404: never reveal others' ids."""
    return get_object_or_404(
        LearnerState.objects.select_related("learner", "course"),
        learner_id=learner_id, learner__api_client=request.user.api_client,
    )


class LearnerListView(APIView):
    permission_classes = [IsApiClient]

    @extend_schema(request=LearnerIn, responses={201: LearnerOut})
    def post(self, request):
        data = LearnerIn(data=request.data)
        data.is_valid(raise_exception=True)
        course = Course.objects.filter(slug=data.validated_data["course"]).first()
        if course is None:
            raise ApiError("unknown_course", f"no course {data.validated_data['course']!r}", status.HTTP_404_NOT_FOUND)
        planner = data.validated_data["planner"]
        if planner not in planner_names():
            raise ApiError("unknown_planner", f"planner must be one of {planner_names()}", fields={"planner": planner})
        try:
            with transaction.atomic():
                learner = Learner.objects.create(kind=Learner.Kind.MODEL, api_client=request.user.api_client,
                                                 label=data.validated_data["external_id"])
                state = LearnerState.objects.create(learner=learner, course=course, planner=planner)
        except IntegrityError:
            raise ApiError("duplicate_external_id", "this client already has a learner with that external_id",
                           status.HTTP_409_CONFLICT) from None
        return Response(_learner_out(state), status=status.HTTP_201_CREATED)


class LearnerDetailView(APIView):
    permission_classes = [IsApiClient]

    @extend_schema(responses=LearnerOut)
    def get(self, request, learner: int):
        return Response(_learner_out(own_state(request, learner)))


class NextItemView(APIView):
    permission_classes = [IsApiClient]

    @extend_schema(responses=NextOut)
    def get(self, request, learner: int):
        state = own_state(request, learner)
        item, reason = next_item_choose(learner=state.learner, course=state.course)
        return Response({
            "item": {
                "id": item.pk, "kcs": list(item.kcs.values_list("key", flat=True)), "prompt": item.statement,
                "steps": [{"id": s.key, "prompt": s.prompt} for s in item.steps.order_by("position")],
                "difficulty": item.difficulty,
            },
            "reason": reason,
        })


class AttemptListView(ListAPIView):
    permission_classes = [IsApiClient]
    serializer_class = AttemptRowOut

    def get_queryset(self):
        state = own_state(self.request, self.kwargs["learner"])
        return Attempt.objects.filter(learner_id=state.learner_id).order_by("id")

    @extend_schema(request=AttemptIn, responses={201: AttemptOut, 200: AttemptOut})
    def post(self, request, learner: int):
        state = own_state(request, learner)
        data = AttemptIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        item = Item.objects.filter(pk=values["item"], course=state.course).first()
        if item is None:
            raise ApiError("unknown_item", "no such item in this learner's course", status.HTTP_404_NOT_FOUND,
                           fields={"item": values["item"]})
        if values["step"] and not item.steps.filter(key=values["step"]).exists():
            raise ApiError("unknown_step", "no such step in this item", fields={"step": values["step"]})
        try:
            result = tutor_turn_take(
                learner=state.learner, item=item, answered_at=values.get("timestamp") or timezone.now(), source="api",
                step_key=values["step"], answer=values.get("answer"), graded=values["correct"],
                idempotency_key=values["idempotency_key"],
            )
        except TimeWentBackwards as error:
            raise ApiError("time_went_backwards", str(error), status.HTTP_409_CONFLICT) from error
        body = {
            "id": result.attempt.pk, "correct": result.attempt.correct, "verdict": result.attempt.verdict,
            "feedback": {"move": result.turn.move_intent, "text": result.turn.text, "hint_level": result.turn.hint_level},
            "mastery": {kc: m["p"] for kc, m in result.mastery.items()},
        }
        return Response(body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


class MasteryView(APIView):
    permission_classes = [IsApiClient]

    @extend_schema(responses=dict)
    def get(self, request, learner: int):
        state = own_state(request, learner)
        with transaction.atomic():
            state, engine = learner_state_locked(learner=state.learner, course=state.course)
        return Response({"mastery": mastery_summary(engine, state), "traits": engine.tracer.traits(state.tracer_state)})
