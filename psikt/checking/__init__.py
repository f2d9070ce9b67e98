"""Deterministic answer checking: a whitelist tokenizer, a parser that builds sympy objects without
`eval`, and a sandboxed worker pool for the algebraic comparisons. Independent of Django."""

from .check import (
    ALGEBRAIC_MODES,
    CORRECT,
    INCORRECT,
    MISCONCEPTION,
    MODES,
    UNREADABLE,
    WRONG_FORM,
    WRONG_KIND,
    AnswerSpec,
    CheckResult,
    Misconception,
    check_answer,
    preview_answer,
    validate_answer_text,
)
from .errors import CouldNotRead
from .sandbox import CheckerPool, default_pool
from .spec import EVIDENCE_VERDICTS, VERDICTS, Preview
from .templates import condition_holds, render_answer
from .tokens import MAX_INPUT_CHARS, normalize

__all__ = [
    "ALGEBRAIC_MODES", "CORRECT", "EVIDENCE_VERDICTS", "INCORRECT", "MAX_INPUT_CHARS", "MISCONCEPTION", "MODES",
    "UNREADABLE", "VERDICTS", "WRONG_FORM", "WRONG_KIND",
    "AnswerSpec", "CheckResult", "CheckerPool", "CouldNotRead", "Misconception", "Preview",
    "check_answer", "condition_holds", "default_pool", "normalize", "preview_answer", "render_answer",
    "validate_answer_text",
]
