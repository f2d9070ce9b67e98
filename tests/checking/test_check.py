from pathlib import Path

import pytest

from psikt.checking import (
    CORRECT,
    INCORRECT,
    MISCONCEPTION,
    UNREADABLE,
    WRONG_FORM,
    WRONG_KIND,
    AnswerSpec,
    CheckerPool,
    Misconception,
    check_answer,
    condition_holds,
    render_answer,
)

HALF_WRONG = [Misconception(answer="2*x + 2", label="distributed-to-first-term-only", feedback="f")]


@pytest.mark.parametrize(
    ("spec", "given", "verdict"),
    [
        (AnswerSpec("exact", "Paris"), "  paris ", CORRECT),
        (AnswerSpec("exact", "Paris"), "Lyon", INCORRECT),
        (AnswerSpec("numeric", "3.5"), "7/2", CORRECT),
        (AnswerSpec("numeric", "3.5"), "3 1/2", CORRECT),
        (AnswerSpec("numeric", "3.5"), "3.49", INCORRECT),
        (AnswerSpec("numeric", "3.5", tolerance=0.02), "3.49", CORRECT),
        (AnswerSpec("numeric", "-2"), "\u22122", CORRECT),  # unicode minus
        (AnswerSpec("numeric", "3.5"), "three and a half", UNREADABLE),
        (AnswerSpec("fraction", "3/4"), "6/8", CORRECT),
        (AnswerSpec("fraction", "3/4"), "0.75", CORRECT),
        (AnswerSpec("fraction", "3/4", simplified=True), "3/4", CORRECT),
        (AnswerSpec("fraction", "3/4", simplified=True), "6/8", WRONG_FORM),
        (AnswerSpec("fraction", "3/2", simplified=True), "1 1/2", CORRECT),
        (AnswerSpec("fraction", "3/4"), "4/3", INCORRECT),
        (AnswerSpec("expression", "2*x + 6"), "3(x+2) - x", CORRECT),
        (AnswerSpec("expression", "2*x + 6"), "2x + 5", INCORRECT),
        (AnswerSpec("expression", "x^2 - 1"), "(x+1)(x-1)", CORRECT),
        (AnswerSpec("expression", "2*x + 6"), "y = 2x + 6", WRONG_KIND),
        (AnswerSpec("equation", "y = 2*x + 1"), "2y = 4x + 2", CORRECT),
        (AnswerSpec("equation", "y = 2*x + 1"), "y - 1 = 2x", CORRECT),
        (AnswerSpec("equation", "y = 2*x + 1"), "y = 2x", INCORRECT),
        (AnswerSpec("equation", "y = 2*x + 1"), "2x + 1", WRONG_KIND),
        (AnswerSpec("choice", "B", choices=("A", "B")), "b", CORRECT),
        (AnswerSpec("choice", "B", choices=("A", "B")), "A", INCORRECT),
        (AnswerSpec("choice", "B", choices=("A", "B")), "C", WRONG_KIND),
        (AnswerSpec("choice", "B", choices=("A", "B")), "", UNREADABLE),
    ],
)
def test_modes(spec, given, verdict):
    assert check_answer(spec, given).verdict == verdict


def test_known_misconception_is_named():
    result = check_answer(AnswerSpec("expression", "2*x + 6"), "2(x + 1)", HALF_WRONG)
    assert result.verdict == MISCONCEPTION
    assert result.misconception.label == "distributed-to-first-term-only"


def test_unsimplified_fraction_matches_its_misconception_or_says_why():
    spec = AnswerSpec("fraction", "3/4", simplified=True)
    named = check_answer(spec, "6/8", [Misconception("6/8", "not-simplified", "f")])
    assert (named.verdict, named.misconception.label) == (MISCONCEPTION, "not-simplified")
    unnamed = check_answer(spec, "9/12")
    assert unnamed.verdict == WRONG_FORM and "lowest terms" in unnamed.reason


HOSTILE = [
    "__import__('os').system('touch {marker}')",
    "exec('import os')",
    "x" * 100_000,
    "(" * 100 + "x" + ")" * 100,
    "-" * 400 + "x",
    "\u0445 + 1",  # Cyrillic 'х' that looks like x
    "1/0",
    "x/0",
    "9^9^9",
    "((10^30)^64)^64",
    "lambda: 1",
    "x.__class__",
    "",
    "\x00\x01",
]


@pytest.mark.parametrize("mode", ["expression", "equation", "numeric", "fraction"])
@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_is_unreadable_and_runs_nothing(tmp_path: Path, mode, text):
    marker = tmp_path / "pwned"
    spec = AnswerSpec(mode, "y = 2*x" if mode == "equation" else "2")
    result = check_answer(spec, text.replace("{marker}", str(marker)))
    assert result.verdict == UNREADABLE
    assert result.reason
    assert not marker.exists()


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_in_exact_mode_is_only_compared(text):
    # Exact mode compares text and never parses it: hostile text is simply not the answer.
    assert check_answer(AnswerSpec("exact", "yes"), text).verdict in (INCORRECT, UNREADABLE)


def test_non_string_input_is_unreadable():
    assert check_answer(AnswerSpec("numeric", "2"), None).verdict == UNREADABLE


def test_expensive_algebra_is_cut_off_and_the_pool_recovers():
    pool = CheckerPool(size=1, timeout_seconds=1.0)
    try:
        slow = check_answer(AnswerSpec("expression", "2*x"), "((a+b+c+d)^64)^64 - x", pool=pool)
        assert slow.verdict == UNREADABLE and "too complicated" in slow.reason.lower()
        assert check_answer(AnswerSpec("expression", "2*x"), "x + x", pool=pool).verdict == CORRECT
    finally:
        pool.close()


def test_worker_memory_limit_turns_into_unreadable():
    # 40 MB cannot even hold sympy, so the worker never becomes ready: the learner still gets an answer.
    pool = CheckerPool(size=1, timeout_seconds=5.0, memory_mb=40)
    try:
        result = check_answer(AnswerSpec("expression", "2*x"), "x + x", pool=pool)
        assert result.verdict == UNREADABLE
    finally:
        pool.close()


def test_template_answers_are_exact():
    assert render_answer("numeric", "(c - b)/a", {"a": 4, "b": 3, "c": 9}) == "3/2"
    assert render_answer("expression", "a*x + b", {"a": 2, "b": -3}) == "2*x - 3"
    assert render_answer("equation", "y = m*x + b", {"m": 2, "b": 1}) == "y = 2*x + 1"
    assert condition_holds("b > a", {"a": 1, "b": 2}) is True
    assert condition_holds("a != 0", {"a": 0}) is False
