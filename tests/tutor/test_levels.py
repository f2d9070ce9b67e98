"""Mastery levels (tutor/learning/levels.py): names a learner understands, never 50% for nothing."""

import pytest

from tutor.learning.levels import mastery_level, progress_summary


@pytest.mark.parametrize(("p", "sd", "answers", "name"), [
    (0.5, 1.0, 0, "Not started"),     # the prior: nothing shown yet
    (0.95, 0.2, 0, "Not started"),    # raised by transfer only: still nothing shown
    (0.45, 1.0, 1, "Attempted"),
    (0.54, 1.0, 3, "Attempted"),
    (0.55, 0.9, 1, "Familiar"),
    (0.74, 0.9, 3, "Familiar"),
    (0.75, 0.8, 5, "Proficient"),
    (0.95, 0.95, 4, "Proficient"),   # high, but not settled: not yet mastered
    (0.90, 0.80, 12, "Mastered"),
])
def test_levels_from_the_posterior_and_the_answers(p, sd, answers, name):
    assert mastery_level(p=p, sd=sd, answers=answers).name == name


def test_not_started_has_no_percent_and_others_round_p():
    assert mastery_level(p=0.5, sd=1.0, answers=0).percent is None
    assert mastery_level(p=0.654, sd=1.0, answers=2).percent == 65


def test_the_course_summary_counts_proficient_or_better():
    levels = [mastery_level(p=p, sd=0.5, answers=n) for p, n in ((0.95, 9), (0.8, 4), (0.65, 2), (0.5, 0))]
    summary = progress_summary(levels)
    assert (summary["proficient_or_better"], summary["mastered"], summary["started"], summary["total"]) == (2, 1, 3, 4)
    assert summary["line"] == "2 of 4 skills proficient or better (1 mastered, 3 started)."
    assert progress_summary([mastery_level(p=0.5, sd=1.0, answers=0)] * 2)["line"] == \
        "0 of 2 skills proficient or better (none started yet)."
