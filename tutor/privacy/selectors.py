"""Reads for learner data rights: who may act on a learner's data, and everything stored about them."""

from django.db.models import Q

from tutor.accounts.models import User
from tutor.learning.engine import course_engine
from tutor.learning.models import Attempt, Learner, LearnerState, TutorTurn


def learner_for_data_request(*, user, learner_id: int, erase: bool = False) -> Learner | None:
    """The learner if `user` may export (or, with `erase`, erase) their data: the learner
    themselves, a teacher (by role, not only by a class's teacher list) of a class they are enrolled
    in, or staff. A model-student attached to a class is read by its teachers but erased only by the
    program that owns it (through the API) or staff. None otherwise, so callers answer 404 and never
    reveal whether a learner they may not see exists."""
    if not user.is_authenticated:
        return None
    learners = Learner.objects.select_related("user", "api_client")
    if user.is_staff or user.role == User.Role.STAFF:
        return learners.filter(pk=learner_id).first()
    allowed = Q(user=user)
    if user.role == User.Role.TEACHER:
        taught = Q(classrooms__teachers=user)
        if erase:
            taught &= Q(kind=Learner.Kind.HUMAN)
        allowed |= taught
    return learners.filter(allowed, pk=learner_id).distinct().first()


def _attempt_row(attempt: Attempt) -> dict:
    return {
        "id": attempt.pk, "course": attempt.item.course.slug, "item": attempt.item.key, "step": attempt.step_key,
        "answer": attempt.raw_answer, "verdict": attempt.verdict, "misconception": attempt.misconception_label,
        "answered_at": attempt.answered_at.isoformat(), "recorded_at": attempt.recorded_at.isoformat(),
        "idempotency_key": attempt.idempotency_key, "source": attempt.source,
    }


def _turn_row(turn: TutorTurn) -> dict:
    return {
        "id": turn.pk, "item": turn.item.key, "step": turn.step_key, "attempt": turn.attempt_id,
        "learner_text": turn.learner_text, "tutor_text": turn.text, "move": turn.move_intent,
        "evaluation": turn.evaluation, "hint_level": turn.hint_level, "backend": turn.backend,
        "model": turn.model_name, "fell_back": turn.fell_back, "mastery_after": turn.mastery_after,
        "created_at": turn.created_at.isoformat(),
    }


def _state_row(state: LearnerState) -> dict:
    """The stored derived state, and what the served tracer reads from it (mastery and traits)."""
    tracer = course_engine(state.course).tracer
    readable = bool(state.tracer_state)
    return {
        "course": state.course.slug, "planner": state.planner, "tracer_version": state.tracer_version,
        "tracer_state": state.tracer_state, "planner_state": state.planner_state,
        "current_item": state.current_item.key if state.current_item_id else None,
        "last_attempt": state.last_attempt_id, "updated_at": state.updated_at.isoformat(),
        "mastery": {kc: {"p": m.p, "sd": m.sd} for kc, m in tracer.mastery(state.tracer_state).items()}
        if readable else {},
        "traits": tracer.traits(state.tracer_state) if readable else {},
    }


def learner_data(*, learner: Learner) -> dict:
    """Everything stored about one learner, as JSON-ready data."""
    user = learner.user
    return {
        "learner": {
            "id": learner.pk, "kind": learner.kind, "label": learner.label,
            "username": user.get_username() if user else None, "email": user.email if user else None,
            "api_client": learner.api_client.name if learner.api_client_id else None,
            "created_at": learner.created_at.isoformat(),
            "classrooms": list(learner.classrooms.order_by("pk").values_list("name", flat=True)),
        },
        "attempts": [_attempt_row(a) for a in learner.attempts.select_related("item__course").order_by("id")],
        "tutor_turns": [_turn_row(t) for t in learner.tutor_turns.select_related("item").order_by("id")],
        "states": [_state_row(s) for s in learner.states.select_related("course", "current_item").order_by("pk")],
    }
