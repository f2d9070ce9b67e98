"""Tutor turns as the API returns them: an answer's result, a served item, a turn's rejection."""

from rest_framework import status

from tutor.learning.course_content import ItemContent
from tutor.learning.tutoring import TurnRejected, TurnResult

from .errors import ApiError

TURN_REJECTED_STATUS = {"unknown_item": status.HTTP_404_NOT_FOUND, "time_went_backwards": status.HTTP_409_CONFLICT,
                        "idempotency_key_reused": status.HTTP_422_UNPROCESSABLE_ENTITY}



def turn_rejected(error: TurnRejected) -> ApiError:
    """A turn's rejection as the API error every endpoint that takes answers gives."""
    return ApiError(error.code, str(error), TURN_REJECTED_STATUS.get(error.code, status.HTTP_400_BAD_REQUEST),
                    fields={error.field: error.value} if error.field else None)



def attempt_body(result: TurnResult) -> dict:
    """An answer's turn as attempts/ returns it."""
    turn = result.turn
    return {
        "id": result.attempt.pk, "correct": result.attempt.correct, "verdict": result.attempt.verdict,
        "feedback": {"move": turn.move_intent, "text": turn.text, "hint_level": turn.hint_level,
                     "turn": turn.pk, "status": turn.status},
        "mastery": {kc: m["p"] for kc, m in result.mastery.items()},
    }


def next_out(item, reason: dict, content: ItemContent) -> dict:
    """A served item as next/ shows it (no answers, no hints); `content`: the item's, from the
    course engine's cache."""
    return {
        "item": {
            "id": item.pk, "kcs": list(content.kc_keys), "prompt": item.statement,
            "steps": [{"id": s.key, "prompt": s.prompt} for s in content.steps],
            "difficulty": item.difficulty,
        },
        "reason": reason,
    }
