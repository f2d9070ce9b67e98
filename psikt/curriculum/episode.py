"""One simulated learner taught by one policy for N items, and the metrics of that episode."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from .oracle import Oracle
from .planners.base import Planner
from .simulate import RETENTION_DELAY_DAYS, World, session_time


@dataclass
class Outcome:
    posttest: float          # mean P(correct) on a fresh item over learnable KCs, no learning in the test
    retention: float         # the same after RETENTION_DELAY_DAYS without practice
    items_to_mastery: int    # first step with every learnable KC mastered, censored at N
    aulc: float              # mean over steps of the fraction of learnable KCs mastered
    waste: float             # fraction of items on unlearnable, locked or mastered KCs while a ready one existed
    log: list[tuple[str, int, float]]   # (item, correct, day): the answers the policy saw

    def metrics(self) -> dict:
        out = asdict(self)
        del out["log"]
        return out


def run_episode(world: World, learner: int, policy: Planner | Oracle, horizon: int, learner_id: str | None = None) -> Outcome:
    student = world.student(learner)
    name = learner_id or f"L{learner}"
    oracle_rng = np.random.default_rng([*world.key, learner, 2])
    if isinstance(policy, Planner):
        policy.start(name)
    n_learnable = world.learnable.sum()
    mastered_curve, wasted, done_at, log = [], 0, horizon, []
    for step in range(horizon):
        t = session_time(step)
        student.advance(t)
        if isinstance(policy, Oracle):
            item = policy.choose(student, oracle_rng)
            item_id = world.domain.items[item].id
        else:
            item_id = policy.select(name, t)
            item = world.domain.item_index[item_id]
        ready = student.ready()
        wasted += bool(ready.any() and not ready[world.item_kc[item]])
        correct = student.answer(item, t)
        if isinstance(policy, Planner):
            policy.observe(name, item_id, correct, t)
        log.append((item_id, int(correct), t))
        mastered = student.mastered()[world.learnable].sum() / n_learnable
        mastered_curve.append(mastered)
        if mastered == 1 and done_at == horizon:
            done_at = step + 1
    posttest = student.posttest()
    student.advance(session_time(horizon - 1) + RETENTION_DELAY_DAYS)
    return Outcome(posttest, student.posttest(), done_at, float(np.mean(mastered_curve)), wasted / horizon, log)
