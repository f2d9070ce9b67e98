"""`mastery`: mastery learning on Bayesian Knowledge Tracing, the convention of Cognitive Tutors,
OATutor and pyBKT's Roster.

BKT (Corbett & Anderson 1995, "Knowledge tracing: modeling the acquisition of procedural
knowledge") with population parameters: after an answer the posterior

    P(L | correct)   = P(L)(1 - s) / (P(L)(1 - s) + (1 - P(L)) g)
    P(L | incorrect) = P(L) s / (P(L) s + (1 - P(L))(1 - g))

then learning from the practice opportunity, P(L) <- P(L|y) + (1 - P(L|y)) T.
KCs are taken in topological order of the declared prerequisites; a KC opens once each parent is
done; practice stays on a KC until P(L) >= 0.95 or 10 attempts (the wheel-spinning guard of Beck &
Gong 2013), then moves on. With every KC done, it reviews the weakest KC not capped.
"""
from __future__ import annotations

from .base import Planner


def bkt_update(p_learned: float, correct: bool, *, guess: float, slip: float, learn: float) -> float:
    if correct:
        post = p_learned * (1 - slip) / (p_learned * (1 - slip) + (1 - p_learned) * guess)
    else:
        post = p_learned * slip / (p_learned * slip + (1 - p_learned) * (1 - guess))
    return post + (1 - post) * learn


class MasteryPlanner(Planner):
    name = "mastery"

    def __init__(self, domain, seed=0, *, prior: float = 0.1, learn: float = 0.2, guess: float = 0.2,
                 slip: float = 0.1, threshold: float = 0.95, cap: int = 10):
        super().__init__(domain, seed)
        self.prior, self.learn, self.guess, self.slip = prior, learn, guess, slip
        self.threshold, self.cap = threshold, cap

    def _initial(self):
        return {"p": {k: self.prior for k in self.domain.kcs}, "attempts": {k: 0 for k in self.domain.kcs}}

    def _done(self, st, kc):
        return st["p"][kc] >= self.threshold or st["attempts"][kc] >= self.cap

    def _choose(self, st, rng, now, belief):
        # A KC without items cannot be practised, so it never blocks its children.
        done = {k for k in self.domain.kcs if not self.domain.items_of[k] or self._done(st, k)}
        for kc in self.domain.practicable:
            if kc not in done and self.parents_done(kc, done):
                why = {"kc": kc, "p_learned": st["p"][kc], "attempts": st["attempts"][kc], "rule": "next KC to master"}
                return self.least_practised_item(st, kc), why
        open_kcs = [k for k in self.domain.practicable if st["attempts"][k] < self.cap]
        if not open_kcs:  # everything capped: nothing is known to help, so spread practice
            kc = min(self.domain.practicable, key=lambda k: st["p"][k])
            return self.least_practised_item(st, kc), {"kc": kc, "rule": "all KCs capped; weakest KC"}
        kc = min(open_kcs, key=lambda k: st["p"][k])
        return self.least_practised_item(st, kc), {"kc": kc, "p_learned": st["p"][kc], "rule": "review weakest KC"}

    def _update(self, st, item, outcomes, now, belief):
        for kc in self.domain.item(item).kcs:
            for y in outcomes:
                st["p"][kc] = bkt_update(st["p"][kc], bool(y), guess=self.guess, slip=self.slip, learn=self.learn)
            st["attempts"][kc] += 1
