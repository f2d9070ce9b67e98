"""`fsrs_review`: review timing by FSRS (Ye et al., "A Stochastic Shortest Path Algorithm for
Optimizing Spaced Repetition Scheduling", KDD 2022; FSRS-6 as implemented by the ``fsrs`` package).

One FSRS card per KC, rated Good on a correct answer and Again on a wrong one. Select: the most
overdue due KC; with none due, the next new KC in topological order of the declared prerequisites;
with none new, the KC due soonest (practice ahead of schedule rather than idle).
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fsrs import Card, Rating, Scheduler

from .base import Planner

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def _when(days: float) -> datetime:
    return EPOCH + timedelta(days=days)


class FSRSReviewPlanner(Planner):
    name = "fsrs_review"

    def __init__(self, domain, seed=0, *, desired_retention: float = 0.9):
        super().__init__(domain, seed)
        # Fuzzing would draw from the global random module and break reproducibility.
        self.scheduler = Scheduler(desired_retention=desired_retention, enable_fuzzing=False)

    def _initial(self):
        return {"cards": {}}

    def _choose(self, st, rng, now, belief):
        kcs = self.domain.practicable
        due = {kc: Card.from_dict(d).due for kc, d in st["cards"].items()}
        overdue = [kc for kc in kcs if kc in due and due[kc] <= _when(now)]
        if overdue:
            kc, rule = min(overdue, key=lambda k: due[k]), "most overdue KC"
        elif len(due) < len(kcs):
            kc, rule = next(k for k in kcs if k not in due), "new KC in topological order"
        else:
            kc, rule = min(kcs, key=lambda k: due[k]), "nothing due: KC due soonest"
        return self.least_practised_item(st, kc), {"kc": kc, "rule": rule}

    def _update(self, st, item, outcomes, now, belief):
        for kc in self.domain.item(item).kcs:
            old = st["cards"].get(kc)
            card = Card.from_dict(old) if old else Card(card_id=self.domain.kc_index[kc] + 1, due=_when(now))
            for y in outcomes:
                card, _ = self.scheduler.review_card(card, Rating.Good if y else Rating.Again, _when(now))
            st["cards"][kc] = card.to_dict()
