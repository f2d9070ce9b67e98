"""The demo class's history (manage.py seed_demo): learners who answered through the real tutor over the
last week, in sittings on different days, each answering as a simulated learner of their own kind would.

Each demo learner has a level, a learning rate and a forgetting rate of their own (DEMO_LEARNERS), so
their answers differ in the ways the tracer's traits describe. Their answers follow a structure that
differs from the course's on purpose: simplifying fractions needs the times tables
(HIDDEN_PREREQUISITES, which the course does not declare), and no declared prerequisite changes the
chance of a right answer. Wrong answers are the item's known misconceptions where the content
declares them (every final answer of the demo course does), as a class's wrong answers would be.
"""

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from tutor.content.models import Item, Misconception
from tutor.content.selectors import answer_spec
from tutor.learning.clock import replaying_at
from tutor.learning.knowledge import next_item_serve
from tutor.learning.models import Attempt, Classroom, Enrollment, Learner, LearnerState, TutorTurn
from tutor.learning.observations import tracer_item_key
from tutor.learning.stepping import LearnerView, cohort_locked
from tutor.learning.tutoring import turn_ask, turn_in_state


@dataclass(frozen=True)
class DemoLearner:
    level: float  # log-odds of a right answer on a problem of difficulty 0 before any practice
    learning: float  # log-odds gained on a skill per answer on it
    forgetting: float  # share of that gain lost per day without practice


DEMO_LEARNERS = {
    "ada": DemoLearner(1.5, 0.5, 0.02),
    "ben": DemoLearner(0.2, 0.3, 0.05),
    "chloe": DemoLearner(-0.8, 0.15, 0.1),
    "dev": DemoLearner(0.8, 0.6, 0.02),
    "esme": DemoLearner(0.3, 0.5, 0.35),  # learns well, forgets fast
    "farid": DemoLearner(0.0, 0.25, 0.05),
    "grace": DemoLearner(1.2, 0.8, 0.01),  # learns fast and keeps it
    "hugo": DemoLearner(-0.6, 0.1, 0.05),
    "iris": DemoLearner(0.5, 0.45, 0.2),
    "jon": DemoLearner(-1.2, 0.08, 0.1),  # learns slowly
}
# skill -> the skills its answers need in this demo although the course does not declare them.
HIDDEN_PREREQUISITES = {"frac-equivalent": ("int-order-ops",), "frac-compare": ("int-order-ops",)}
HIDDEN_PENALTY = 2.5  # log-odds lost while a hidden prerequisite is not known
KNOWN = 0.6  # a skill counts as known at this chance of a right answer
# Past the first trait re-estimate (TRACER_TRAITS_EVERY, 25 by default), so the drill-down can
# describe how each demo learner learns and forgets.
DEMO_ANSWERS = 30
SITTING_ANSWERS = 6  # final answers in one sitting
ANSWER_MINUTES = (1.0, 8.0)  # between answers in a sitting: well within the Now page's session gap
HISTORY_DAYS = 8
DEMO_PLANNERS = ("adaptive", "mastery")
STUCK_LEVEL = -0.5  # learners below this level are sometimes stuck on a first step until the tutor tells
BOTTOM_OUT = 3  # the hint ladder's last rung: the tutor tells the answer


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


class SimulatedAnswers:
    """One demo learner's knowledge per skill: the gain of their practice, fading between answers."""

    def __init__(self, kind: DemoLearner, luck: random.Random):
        self.kind, self.luck = kind, luck
        self.gain: dict[str, float] = {}
        self.when: dict[str, float] = {}

    def _gain(self, kc: str, day: float) -> float:
        if kc not in self.gain:
            return 0.0
        return self.gain[kc] * (1 - self.kind.forgetting) ** (day - self.when[kc])

    def chance(self, kcs: list[str], difficulty: float, day: float) -> float:
        logit = self.kind.level - difficulty + sum(self._gain(kc, day) for kc in kcs) / max(len(kcs), 1)
        for kc in kcs:
            for pre in HIDDEN_PREREQUISITES.get(kc, ()):
                if _sigmoid(self.kind.level + self._gain(pre, day)) < KNOWN:
                    logit -= HIDDEN_PENALTY
        return _sigmoid(logit)

    def answer(self, kcs: list[str], difficulty: float, day: float) -> bool:
        right = self.luck.random() < self.chance(kcs, difficulty, day)
        for kc in kcs:  # practice teaches, a right answer a little more
            self.gain[kc] = self._gain(kc, day) + self.kind.learning * (1.0 if right else 0.6)
            self.when[kc] = day
        return right


def wrong_answer(item: Item, luck: random.Random, step=None) -> str:
    """A plausible wrong answer: one of the known misconceptions of the step (or the item's final
    answer), else the expected number off by one."""
    known = [m.answer for m in Misconception.objects.filter(item=item, step=step)]
    if known:
        return luck.choice(known)
    expected = answer_spec((step or item).answer).value.strip()
    try:
        return str(int(expected) + luck.choice((-1, 1)))
    except ValueError:
        return "1" if expected != "1" else "2"


def sitting_starts(luck: random.Random, sittings: int, now: datetime) -> list[datetime]:
    """When each of a learner's sittings starts, oldest first: on different days among the last
    HISTORY_DAYS, never today (the history is over before the teacher opens the Now page, so every
    demo learner reads as stopped since their last sitting), at a time of day between 9:00 and 19:00."""
    if not 1 <= sittings <= HISTORY_DAYS:
        raise ValueError(f"the demo history has 1 to {HISTORY_DAYS} sittings (one a day), not {sittings}")
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return [midnight - timedelta(days=days_ago) + timedelta(hours=luck.uniform(9, 19))
            for days_ago in sorted(luck.sample(range(1, HISTORY_DAYS + 1), sittings), reverse=True)]


def demo_class_replay(*, classroom: Classroom, answers: int = DEMO_ANSWERS, seed: int = 0) -> int:
    """Fill the demo class with history: each learner answers the planner's items through the real
    tutoring service over the last week as their SimulatedAnswers say, in sittings on different days.
    Every row is stored as the server would have stored it then (clock.replaying_at). Learners who
    already have answers are left alone, so running it twice adds nothing. Returns the number of
    final answers recorded.

    The class is stepped as the API steps a cohort (stepping.cohort_locked): each round serves every
    learner a problem and takes their answers to it, in one locking read and one bulk write, and the
    whole history is one transaction, so that the trait estimates its answers schedule
    (refit.learner_traits_schedule) run once it commits, each on the learner's whole history."""
    from tutor.accounts.models import User
    from tutor.learning.services import learner_for_user

    for username in DEMO_LEARNERS:
        user, created = User.objects.get_or_create(username=username, defaults={"role": User.Role.LEARNER})
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        Enrollment.objects.get_or_create(classroom=classroom, learner=learner_for_user(user=user))
    enrolled = Learner.objects.filter(enrollment__classroom=classroom, user__isnull=False).select_related("user")
    answered = set(Attempt.objects.filter(learner__in=enrolled, item__course=classroom.course)
                   .values_list("learner_id", flat=True))
    replays = {learner.pk: _LearnerReplay(learner, classroom, answers, random.Random(f"{seed}:{learner.user.username}"))
               for learner in enrolled.order_by("id") if learner.pk not in answered}
    states = LearnerState.objects.filter(course=classroom.course)
    with transaction.atomic():
        for n in range(answers + 1):
            with cohort_locked(states, list(replays)) as log:
                for learner_id, replay in replays.items():
                    view = log.learner(learner_id)
                    if n:
                        replay.answer(view)
                    if n < answers:
                        replay.clock_to(n)
                    # The next problem; after the last answer, a fresh one waiting, so that the learner's
                    # practice page does not open on the last replayed one (answered at once, without its
                    # steps, it showed step 1 open under "you have finished").
                    replay.item = next_item_serve(state=view.state, engine=view.engine, log=view, now=replay.clock)[0]
    return answers * len(replays)


class _LearnerReplay:
    """One demo learner's simulated history: their clock, their sittings and their answers."""

    def __init__(self, learner: Learner, classroom: Classroom, answers: int, luck: random.Random):
        self.kind = DEMO_LEARNERS.get(learner.user.username, DemoLearner(0.0, 0.3, 0.05))
        self.simulated, self.luck = SimulatedAnswers(self.kind, luck), luck
        # Half the class on the mastery planner, so the planner view has two to compare.
        LearnerState.objects.get_or_create(learner=learner, course=classroom.course,
                                           defaults={"planner": DEMO_PLANNERS[learner.pk % 2]})
        self.starts = sitting_starts(luck, math.ceil(answers / SITTING_ANSWERS), timezone.now())
        self.clock = self.first = self.starts[0]
        self.item: Item | None = None

    def clock_to(self, n: int) -> None:
        """The moment of the learner's n-th answer: a sitting's start, or minutes after the last."""
        if n % SITTING_ANSWERS == 0:
            self.clock = self.starts[n // SITTING_ANSWERS]
        else:
            self.clock += timedelta(minutes=self.luck.uniform(*ANSWER_MINUTES))

    def _turn(self, view: LearnerView, **answer) -> TutorTurn:
        with replaying_at(self.clock):
            ask = turn_ask(item=self.item, source="web", step_keys=lambda: view.step_keys(self.item),
                           answered_at=self.clock, **answer)
            return turn_in_state(ask=ask, state=view.state, engine=view.engine, log=view).turn

    def answer(self, view: LearnerView) -> None:
        """The learner's answers to their current problem, as their SimulatedAnswers say."""
        item, luck = self.item, self.luck
        if self.kind.level < STUCK_LEVEL and luck.random() < 0.3:
            # Stuck on the first step: wrong, a hint, wrong again... until the tutor bottoms out and tells.
            step = item.steps.order_by("position").first()
            wrong = wrong_answer(item, luck, step)
            for answer in (wrong, None, wrong, None, wrong, None):
                if self._turn(view, step_key=step.key, answer=answer).hint_level >= BOTTOM_OUT:
                    break
                self.clock += timedelta(seconds=luck.randint(20, 90))
        kcs = list(view.engine.tracer.item_kcs[tracer_item_key(item)])
        right = self.simulated.answer(kcs, item.difficulty, (self.clock - self.first).total_seconds() / 86400)
        self._turn(view, answer=answer_spec(item.answer).value if right else wrong_answer(item, luck))
