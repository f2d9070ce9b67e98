"""Learner data rights: export everything about a learner, erase it from every store, audit both.

Erasure reaches every store that holds the learner: the attempt log (through its one erasure path),
tutor transcripts, tracer and planner state, enrollments, the learner itself and, for a human whose
account exists only to learn, the user account; cached class aggregates are purged once the erasure
has committed. Fitted tracer versions hold no per-learner data (refit.tracer_refit strips it), and
the next refit reads the log without the erased attempts.
"""

import logging

from django.db import transaction

from tutor.accounts.lockout import login_records_erase
from tutor.accounts.models import ApiClient, User
from tutor.learning import events
from tutor.learning.models import Attempt, Enrollment, Learner, LearnerState, TutorTurn

from .models import AuditRecord
from .selectors import learner_data

logger = logging.getLogger(__name__)


def _actor(*, learner: Learner, actor_user: User | None, actor_client: ApiClient | None) -> str:
    if actor_user is not None and actor_user.pk == learner.user_id:
        return "the learner"  # their own name must not outlive their erasure in the audit trail
    if actor_user is not None:
        return f"user:{actor_user.pk} {actor_user.get_username()} ({actor_user.role})"
    if actor_client is not None:
        return f"client:{actor_client.pk} {actor_client.name}"
    return "system"


def _audit(*, action: str, learner: Learner, actor_user, actor_client, detail: dict) -> AuditRecord:
    return AuditRecord.objects.create(
        action=action, learner_id=learner.pk, learner_kind=learner.kind,
        actor_user=actor_user if actor_user is not None and actor_user.pk != learner.user_id else None,
        actor_client=actor_client, actor=_actor(learner=learner, actor_user=actor_user, actor_client=actor_client),
        detail=detail,
    )


def learner_export(*, learner: Learner, actor_user: User | None = None, actor_client: ApiClient | None = None) -> dict:
    """Everything stored about the learner (attempts, tutor turns, derived state, traits), recorded
    in the audit trail."""
    with transaction.atomic():
        data = learner_data(learner=learner)
        _audit(action=AuditRecord.Action.EXPORT, learner=learner, actor_user=actor_user, actor_client=actor_client,
               detail={store: len(data[store]) for store in ("attempts", "tutor_turns", "states")})
    return data


def learner_erase(*, learner: Learner, actor_user: User | None = None, actor_client: ApiClient | None = None) -> None:
    """Erase the learner from every store in one transaction and record who did it."""
    with transaction.atomic():
        # Waits for a tutor turn of this learner that is in flight, and keeps new ones out until commit.
        list(LearnerState.objects.select_for_update().filter(learner=learner).values_list("pk", flat=True))
        classroom_ids = list(Enrollment.objects.filter(learner=learner).values_list("classroom_id", flat=True))
        detail = {
            "tutor_turns": TutorTurn.objects.filter(learner=learner).delete()[0],
            "states": LearnerState.objects.filter(learner=learner).delete()[0],
            "attempts": Attempt.objects.erase_learner(learner.pk),
            "enrollments": Enrollment.objects.filter(learner=learner).delete()[0],
            "classrooms": classroom_ids,
        }
        user = learner.user
        # An account that exists only to learn goes with its learner; a teacher's or staff member's
        # account stays (it has other duties), without its learner data.
        detail["account"] = bool(user and user.role == User.Role.LEARNER and not user.is_staff)
        if detail["account"]:
            detail["login_records"] = login_records_erase(username=user.username)
        _audit(action=AuditRecord.Action.ERASE, learner=learner, actor_user=actor_user, actor_client=actor_client,
               detail=detail)
        Learner.objects.filter(pk=learner.pk).delete()
        if detail["account"]:
            User.objects.filter(pk=user.pk).delete()
        events.publish(events.learner_erased, classroom_ids=classroom_ids)  # nothing derived may outlive them
