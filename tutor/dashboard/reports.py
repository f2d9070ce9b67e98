"""The per-problem report of a class (ASSISTments' item report): for each problem of the class's
course its learners answered, how many got it right at their first try, the wrong answers they gave
(grouped by value, and by known mistake where the checker recognised one), how long they took and the
hints they asked for, with each learner's result linking to their work.

Definitions, also stated on the page (templates/dashboard/problems.html):
- first try: a learner's earliest answer to any part of the problem; right at first try means that
  answer was right and no hint came before it (Attempt.rung, the hints given before the answer);
- time: from the learner's previous answer, on any problem of the course, to their first answer to
  this one, by the answers' own clock (answered_at, which a batch import keeps); a gap longer than
  BREAK is a break, not time on the problem, and is left out, as is a learner's very first answer;
- hints: the tutor's replies that were hints (TutorTurn.hint_level), on any part of the problem.

Six queries whatever the class's size: its learners, its answers, its hints, and the problems, steps
and known mistakes answered. The answers are read as plain rows (a few fields each) and grouped here."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from statistics import median

from django.db.models import Count

from tutor.content.models import Item, Misconception, Step
from tutor.learning.models import Attempt, Classroom, Learner, TutorTurn

from .pseudonyms import pseudonyms
from .selectors import learner_name

BREAK = timedelta(minutes=30)
WRONG_ANSWERS_SHOWN = 5


@dataclass(frozen=True)
class WrongAnswer:
    answer: str  # as the learner wrote it (a choice's text for a choice)
    part: str  # the step's prompt; empty for the problem's final answer
    mistake: str  # the known mistake's explanation when the checker recognised one; else empty
    learners: int  # how many learners gave it


@dataclass(frozen=True)
class LearnerResult:
    learner_id: int
    name: str
    right_first: bool
    answers: int
    hints: int


@dataclass
class ProblemReport:
    item: Item
    results: list[LearnerResult] = field(default_factory=list)
    wrong_answers: list[WrongAnswer] = field(default_factory=list)
    other_wrong: int = 0  # learners' wrong answers beyond those listed
    seconds: list[float] = field(default_factory=list)
    hints: int = 0

    @property
    def right_first(self) -> int:
        return sum(result.right_first for result in self.results)

    @property
    def percent_right_first(self) -> int:
        return round(100 * self.right_first / len(self.results))

    @property
    def median_time(self) -> str:
        """"1 min 20 s", "2 min", "45 s"; empty when no learner's time could be measured."""
        if not self.seconds:
            return ""
        minutes, seconds = divmod(round(median(self.seconds)), 60)
        return " ".join(part for part in (f"{minutes} min" if minutes else "", f"{seconds} s" if seconds or not minutes else "")
                        if part)


def problem_report(*, classroom: Classroom, anon: str | None = None) -> list[ProblemReport]:
    """One report per problem the class answered, the problems fewest got right at first try first."""
    learners = Learner.objects.filter(enrollment__classroom=classroom).select_related("user", "api_client")
    named = {learner.pk: learner_name(learner) for learner in learners}
    if anon:
        named = pseudonyms(named, anon)
    answers = list(Attempt.objects.filter(learner_id__in=named, item__course_id=classroom.course_id)
                   .order_by("learner_id", "answered_at", "id")
                   .values_list("learner_id", "item_id", "step_key", "raw_answer", "verdict",
                                "misconception_label", "rung", "answered_at"))
    hints = {(item_id, learner_id): count for item_id, learner_id, count in
             TutorTurn.objects.filter(learner_id__in=named, item__course_id=classroom.course_id, hint_level__gt=0)
             .values("item_id", "learner_id").annotate(count=Count("id")).values_list("item_id", "learner_id", "count")}
    item_ids = {row[1] for row in answers}
    items = Item.objects.in_bulk(item_ids)
    steps = {(step.item_id, step.key): step for step in Step.objects.filter(item_id__in=item_ids)}
    mistakes = {(m.item_id, m.step.key if m.step_id else "", m.label): m.feedback
                for m in Misconception.objects.filter(item_id__in=item_ids).select_related("step")}

    by_problem: dict[int, dict[int, list[tuple]]] = defaultdict(lambda: defaultdict(list))
    seconds: dict[int, list[float]] = defaultdict(list)
    previous = None  # (learner, answered_at) of the row before
    for row in answers:
        learner_id, item_id, *_, answered_at = row
        mine = by_problem[item_id][learner_id]
        if not mine and previous and previous[0] == learner_id and answered_at - previous[1] <= BREAK:
            seconds[item_id].append((answered_at - previous[1]).total_seconds())
        mine.append(row)
        previous = (learner_id, answered_at)

    reports = []
    for item_id, by_learner in by_problem.items():
        report = ProblemReport(items[item_id], seconds=seconds[item_id],
                               hints=sum(hints.get((item_id, learner_id), 0) for learner_id in by_learner))
        wrong: Counter = Counter()
        for learner_id, rows in by_learner.items():
            _, _, _, _, verdict, _, rung, _ = rows[0]
            report.results.append(LearnerResult(learner_id, named[learner_id],
                                                verdict == Attempt.Verdict.CORRECT_ and rung == 0, len(rows),
                                                hints.get((item_id, learner_id), 0)))
            # Each learner counts once per wrong answer, however often they repeated it.
            wrong.update({_wrong_answer_key(report.item, steps, mistakes, row) for row in rows
                          if row[4] in (Attempt.Verdict.INCORRECT_, Attempt.Verdict.MISCONCEPTION_)})
        report.results.sort(key=lambda result: result.name)
        common = wrong.most_common()
        report.wrong_answers = [WrongAnswer(*key, learners=count) for key, count in common[:WRONG_ANSWERS_SHOWN]]
        report.other_wrong = sum(count for _, count in common[WRONG_ANSWERS_SHOWN:])
        reports.append(report)
    reports.sort(key=lambda report: (report.percent_right_first, -len(report.results), report.item.pk))
    return reports


def _wrong_answer_key(item: Item, steps: dict, mistakes: dict, row: tuple) -> tuple[str, str, str]:
    """(answer, part, mistake) of a wrong answer: answers that differ only in spaces are one."""
    _, _, step_key, raw_answer, _, label, _, _ = row
    step = steps.get((item.pk, step_key))
    asked = step or item
    choices = {str(c.get("key")): str(c.get("text")) for c in asked.answer.get("choices") or []}
    answer = choices.get(raw_answer, " ".join(raw_answer.split()))
    return answer, step.prompt if step else "", mistakes.get((item.pk, step_key, label), "") if label else ""
