"""Reads of course content in the shapes the checker and the libraries need."""

from checking import AnswerSpec
from checking import Misconception as KnownMistake

from .models import Item, Step


class UnknownStep(LookupError):
    pass


def answer_spec(answer: dict) -> AnswerSpec:
    return AnswerSpec(
        mode=answer["mode"],
        value=answer["value"],
        tolerance=answer.get("tolerance", 1e-9),
        simplified=answer.get("simplified", False),
        choices=tuple(choice["key"] for choice in answer.get("choices", [])),
    )


def item_answer(*, item: Item, step_key: str = "") -> tuple[AnswerSpec, list[KnownMistake]]:
    """The expected answer and known mistakes of an item's final answer, or of one of its steps."""
    if step_key:
        step = Step.objects.filter(item=item, key=step_key).first()
        if step is None:
            raise UnknownStep(f"item {item.key!r} has no step {step_key!r}")
        answer, rows = step.answer, step.misconceptions.all()
    else:
        answer, rows = item.answer, item.misconceptions.filter(step__isnull=True)
    mistakes = [KnownMistake(answer=m.answer, label=m.label, feedback=m.feedback) for m in rows]
    return answer_spec(answer), mistakes
