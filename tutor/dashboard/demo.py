"""The demo class's history (manage.py seed_demo): learners who answered through the real tutor over the
last week, each answering as a simulated learner of their own kind would.

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
from datetime import timedelta

from django.utils import timezone

from tutor.content.models import Item, Misconception
from tutor.content.selectors import answer_spec
from tutor.learning.knowledge import next_item_choose
from tutor.learning.models import Attempt, Classroom, Enrollment, Learner, LearnerState


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


def demo_class_replay(*, classroom: Classroom, answers: int = DEMO_ANSWERS, seed: int = 0) -> int:
    """Fill the demo class with history: each learner answers the planner's items through the real
    tutoring service over the last week as their SimulatedAnswers say. Learners who already have
    answers are left alone, so running it twice adds nothing. Returns the number of final answers
    recorded."""
    from tutor.accounts.models import User
    from tutor.learning.services import learner_for_user
    from tutor.learning.tutoring import tutor_turn_take

    for username in DEMO_LEARNERS:
        user, created = User.objects.get_or_create(username=username, defaults={"role": User.Role.LEARNER})
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        Enrollment.objects.get_or_create(classroom=classroom, learner=learner_for_user(user=user))
    recorded = 0
    enrolled = Learner.objects.filter(enrollment__classroom=classroom, user__isnull=False).select_related("user")
    for learner in enrolled.order_by("id"):
        if Attempt.objects.filter(learner=learner, item__course=classroom.course).exists():
            continue
        luck = random.Random(f"{seed}:{learner.user.username}")
        kind = DEMO_LEARNERS.get(learner.user.username, DemoLearner(0.0, 0.3, 0.05))
        simulated = SimulatedAnswers(kind, luck)
        # Half the class on the mastery planner, so the planner view has two to compare.
        LearnerState.objects.get_or_create(learner=learner, course=classroom.course,
                                           defaults={"planner": DEMO_PLANNERS[learner.pk % 2]})
        # Ends at least a day ago (at most 4 long breaks of 40 h), so a demo learner who practises now
        # answers after their replayed history, never before it.
        start = clock = timezone.now() - timedelta(days=8)
        for n in range(answers):
            clock += timedelta(minutes=luck.randint(2, 40) if n % 6 else luck.randint(12, 40) * 60)
            day = (clock - start).total_seconds() / 86400
            item, _ = next_item_choose(learner=learner, course=classroom.course, now=clock)
            kcs = [kc.key for kc in item.kcs.all()]
            if kind.level < STUCK_LEVEL and luck.random() < 0.3:
                # Stuck on the first step: wrong, a hint, wrong again... until the tutor bottoms out and tells.
                step = item.steps.order_by("position").first()
                wrong = wrong_answer(item, luck, step)
                for answer in (wrong, None, wrong, None, wrong, None):
                    turn = tutor_turn_take(learner=learner, item=item, answered_at=clock, source="web",
                                           step_key=step.key, answer=answer).turn
                    if turn.hint_level >= BOTTOM_OUT:
                        break
            right = simulated.answer(kcs, item.difficulty, day)
            tutor_turn_take(learner=learner, item=item, answered_at=clock, source="web",
                            answer=answer_spec(item.answer).value if right else wrong_answer(item, luck))
            recorded += 1
        # A fresh problem waiting, so that the learner's practice page does not open on the last replayed
        # one: answered at once, without its steps, it showed step 1 open under "you have finished".
        next_item_choose(learner=learner, course=classroom.course, now=clock)
    return recorded
