"""`adaptive` (ours, the default): plan on the learner's PSI-KT tracer.

Zhou, Bamler, Wu & Tejero-Cantero (2024), "Predictive, scalable and interpretable knowledge tracing
on structured domains" (ICLR), give the model the tracer implements: knowledge z per KC relaxes
towards the learner's level between answers (Ornstein-Uhlenbeck, rate alpha), practice adds
eta g_k x readiness (eta the learner's learning rate, g_k the KC's fitted gain),
readiness_k = sigmoid(kappa (sum_j Pn_jk E[sigmoid(z_j)] + bias_k - theta)).
From the tracer's belief (``mastery`` now and at the target time T*, ``traits``, the graph) the
planner scores each KC by

    gain_k   = E[sigmoid(z_k(T*) + eta g_k rho_k exp(-alpha (T* - now)))] - E[sigmoid(z_k(T*))]
               (the practised increment, decayed by forgetting until T*, on the predicted recall at T*)
    unlock_k = sum_c Pn_kc kappa rho_c (1 - rho_c) dp_k gain_c / rho_c
               (first-order effect of raising p_k on the children's readiness and so their gain)
    info_k   = w_info (1 - n / N) rho_k sd_k^2 p_k (1 - p_k)
               (expected variance reduction of an answer on KC k: large while the belief is uncertain;
               weighted by readiness, since only what practice can move is worth knowing precisely,
               and by the share of the horizon N left after n answers, since knowing pays off only
               over the answers still to come)
    score_k  = prior_k (gain_k + unlock_k + info_k)

and practises the best KC at its zone of proximal development (Vygotsky; the ZPD of ZPDES, Clement
et al. 2015): the KC's items are a ladder of their declared difficulties, and the planner gives the
easiest item above the rung the learner has shown. A right answer shows that item's rung (the rung
is the highest shown); each wrong answer that follows a wrong one steps one rung down (an up-down
staircase, after Levitt 1971).
Items of equal difficulty rotate (fewest repeats first).

- Reached: a KC is reached when the tracer's recall passes ``retention`` or after ``streak`` right
  answers in a row. The streak is horizon-aware: by default half of a KC's share of the N answers
  (N / number of practicable KCs / 2, rounded), between 3 and 6, because evidence costs answers a
  short horizon does not have.
- Readiness gates on the declared parents: a parent counts as recalled once reached, otherwise
  through a gate sigmoid(10 (p_parent - ``declared_ready``)) on the tracer's recall. A tracer fitted
  on little data (a small pilot taught at random) learns a weak graph and a loose recall scale, and
  the author's graph, even when partly wrong, still says what is unlikely to be learnable yet.
- Review: a reached KC rests until the tracer's recall has dropped by
  review_drop x review_growth^r since it was reached (r: its successful reviews so far), then comes
  back as a review ranked by the same gain at T* (``explain`` says so). One answer decides the
  review: right, the KC is reached again and rests longer (the spacing effect, as in Leitner boxes
  and FSRS); wrong, it goes back to practice.
- Per-learner learnability: a KC that does not move (under half right over its last
  ``retire_after`` attempts, the later half no better than the earlier, the learner at the bottom
  rung of its ladder: above it, failing says the item is too hard, not the KC unlearnable) is
  retired for ``cooldown`` x median_j(prior_j) / prior_k answers (prior: the pooled prior below).
  The cooldown lets a KC that was merely locked come back; a KC the cohort reaches less often than
  the typical KC is less likely to be merely locked, so it waits longer, in proportion to the odds
  the pool gives. Without pooled evidence (every prior 1/2) every KC waits ``cooldown``; an
  unlearnable distractor, which nobody reaches, soon waits past the horizon instead of taking a
  block of answers every ``cooldown`` while the learnable KCs rest.
- When every KC rests or is retired, the planner practises the KC with the best prior-weighted
  score with rest and retirement lifted (an early review as a rule), so a KC the cohort does not
  reach stays last there too.
- Pooled prior across learners (the "classroom" idea of Meta-ACL, Portelas et al. 2020, and AGAIN,
  Portelas et al. 2021): the planner counts, per KC and over all learners, the reaches and the
  answers given while the KC was not reached, and a new learner starts with the Beta(1, 1) posterior
  mean of "a block of retire_after answers reaches the KC":
  prior_k = (1 + reached_k) / (2 + reached_k + unreached_answers_k / retire_after).
  A KC nobody reaches (an unlearnable distractor) loses weight with every answer spent on it.
  ``save_pool``/``load_pool`` persist these counts. Each learner's state also keeps its own
  contribution (``share``, the ``share_key``), so a server whose learners are served apart sums a
  cohort's shares into a pool (``pool_of``) instead of relying on one planner object having taught
  them all.
- Its belief: a host that keeps the learner's tracer state passes it in (``belief``, see
  ``planners.base``); otherwise the planner folds the answers into a tracer state of its own
  (``tracer`` in the learner's state), with the same updates.

The tracer comes from ``tracer=`` (a fitted ``psikt.tracing.Tracer``) or is fitted on ``pilot=`` (answer
logs of other learners, e.g. a cohort taught by ``random``) with the declared prerequisites as prior.
Probabilities use the probit approximation E[sigmoid(x)] ~ sigmoid(m / sqrt(1 + pi s^2 / 8)).
"""
from __future__ import annotations

import math

import numpy as np

from psikt.tracing import Log, Sequence, Tracer, fit

from .base import BeliefUpdate, Planner

SECONDS_PER_DAY = 86400.0


def expected_sigmoid(mean, sd):
    return 1 / (1 + np.exp(-np.asarray(mean) / np.sqrt(1 + math.pi * np.asarray(sd) ** 2 / 8)))


def fit_on_pilot(domain, pilot: list[dict], epochs: int, seed: int) -> Tracer:
    """A tracer fitted on pilot answer logs: ``[{"learner": id, "answers": [(item, correct, day), ...]}]``."""
    seqs = [Sequence(p["learner"], 0, [a[0] for a in p["answers"]], [domain.item(a[0]).kcs for a in p["answers"]],
                     np.array([a[1] for a in p["answers"]], dtype=np.int8),
                     np.array([a[2] * SECONDS_PER_DAY for a in p["answers"]], dtype=float))
            for p in pilot if p["answers"]]
    if not seqs:
        raise ValueError("adaptive needs a fitted tracer (tracer=...) or pilot answers to fit one (pilot=...)")
    return fit(Log(seqs), prerequisites=domain.prerequisites, epochs=epochs, seed=seed, progress=False)


class AdaptivePlanner(Planner):
    name = "adaptive"
    needs_tracer = True
    # Besides the choices: the prior (drawn from the pool of the learners before) and the clock's
    # start (the first choice may come before the first answer) cannot be replayed from answers.
    replay_keeps = (*Planner.replay_keeps, "prior", "start")
    share_key = "share"

    def __init__(self, domain, seed=0, *, tracer: Tracer | None = None, pilot: list[dict] | None = None,
                 horizon: int = 150, target_days: float | None = None, retention: float = 0.9,
                 info_weight: float = 0.05, declared_ready: float = 0.6, retire_after: int = 8, cooldown: int = 30,
                 streak: int | None = None, review_drop: float = 0.15, review_growth: float = 2.0, fit_epochs: int = 30):
        super().__init__(domain, seed)
        self.tracer = tracer if tracer is not None else fit_on_pilot(domain, pilot or [], fit_epochs, seed)
        for item in domain.items:  # cold start for items the tracer has not seen
            self.tracer.add_item(item.id, item.kcs, item.difficulty)
        # Default target time: the end of `horizon` items at 20 items a day.
        self.target_days = target_days if target_days is not None else horizon / 20
        self.horizon = horizon
        self.retention, self.info_weight = retention, info_weight
        self.retire_after, self.cooldown = retire_after, cooldown
        # Evidence a KC is reached costs answers the horizon may not have: by default at most half of
        # a KC's share of it, between 3 and 6 right answers in a row.
        share = horizon / max(1, len(domain.practicable))
        self.streak = streak if streak is not None else int(min(6, max(3, round(share / 2))))
        self.review_drop, self.review_growth = review_drop, review_growth
        # The ladder of each KC: its items' declared difficulties, easiest first.
        self.ladder = {k: sorted({domain.item(i).difficulty for i in domain.items_of[k]}) for k in domain.kcs}
        fp = self.tracer.filter_params
        kc_idx = [self.tracer.kc_index[k] for k in domain.kcs]
        self.Pn = fp.Pn.numpy()[np.ix_(kc_idx, kc_idx)]
        self.ready_bias = fp.ready_bias.numpy()[kc_idx]
        self.theta, self.kappa = float(fp.theta), float(fp.kappa)
        self.kc_gain = np.broadcast_to(np.asarray(fp.kc_gain, dtype=float), (len(self.tracer.kcs),))[kc_idx]
        self.declared = np.zeros((len(domain.kcs), len(domain.kcs)), dtype=bool)   # [parent, child]
        for a, b in domain.prerequisites:
            self.declared[domain.kc_index[a], domain.kc_index[b]] = True
        self.declared_ready, self.declared_slope = declared_ready, 10.0
        self.practicable = np.array([bool(domain.items_of[k]) for k in domain.kcs])
        self.pool = self.pool_of([])

    # ---- pooled prior across learners -------------------------------------------------------------
    def pool_of(self, shares) -> dict:
        """The pool of a cohort: the sum of its learners' saved ``share``s (None for a learner not
        started; KCs this domain lacks, from an older course version, are left out)."""
        pool = {kind: {k: 0 for k in self.domain.kcs} for kind in ("mastered", "unreached")}
        for share in shares:
            for kind, counts in (share or {}).items():
                for kc, n in counts.items():
                    if kc in pool[kind]:
                        pool[kind][kc] += n
        return pool

    def _pool_count(self, st, kind: str, kc: str, n: int) -> None:
        self.pool[kind][kc] += n
        st["share"][kind][kc] = st["share"][kind].get(kc, 0) + n

    def pool_needed(self, keep: dict) -> bool:
        return "prior" not in keep  # a kept prior was drawn from the pool already

    def save_pool(self) -> dict:
        return {k: dict(v) for k, v in self.pool.items()}

    def load_pool(self, pool: dict) -> None:
        self.pool = {k: dict(v) for k, v in pool.items()}

    def _initial(self):
        # Beta(1, 1) on "a block of retire_after answers reaches the KC": reaches are successes,
        # blocks of answers that did not reach it are failures.
        m, u = self.pool["mastered"], self.pool["unreached"]
        return {"start": None, "recent": {k: [] for k in self.domain.kcs}, "retired": {}, "reached": {}, "reviews": {}, "rung": {},
                "share": {"mastered": {}, "unreached": {}},
                "prior": {k: (1 + m[k]) / (2 + m[k] + u[k] / self.retire_after) for k in self.domain.kcs}}

    def load_state(self, learner: str, state: dict) -> None:
        # A state saved before a field existed (the web app keeps states across versions) gets it
        # empty, as a new learner has it.
        super().load_state(learner, {**self._initial(), **state})

    # ---- choice -----------------------------------------------------------------------------------
    def _own_belief(self, st) -> dict:
        """The tracer state the planner keeps for a caller that keeps none (see the module docstring)."""
        if "tracer" not in st:
            st["tracer"] = self.tracer.new_learner()
        return st["tracer"]

    def _beliefs(self, tracer_state, days):
        m = self.tracer.mastery(tracer_state, days * SECONDS_PER_DAY if tracer_state["n"] else None)
        rows = [m[k] for k in self.domain.kcs]
        return (np.array([r.p for r in rows]), np.array([r.mean for r in rows]), np.array([r.sd for r in rows]))

    def scores(self, st, now: float, belief: dict) -> tuple[np.ndarray, dict]:
        if st["start"] is None:
            st["start"] = now
        target = max(st["start"] + self.target_days, now)
        p, mean, sd = self._beliefs(belief, now)
        p_t, mean_t, sd_t = self._beliefs(belief, target)
        traits = self.tracer.traits(belief)
        eta, alpha = traits["eta"], traits["alpha"]
        reached = np.array([k in st["reached"] for k in self.domain.kcs])
        rho = self._readiness(p, reached)
        step_now = eta * self.kc_gain * rho
        gain = expected_sigmoid(mean_t + step_now * math.exp(-alpha * (target - now)), sd_t) - p_t
        dp = expected_sigmoid(mean + step_now, sd) - p
        unlock = (self.Pn * (self.kappa * (1 - rho) * gain)[None, :]).sum(1) * dp
        # Knowing a KC precisely pays off only over the answers still to come.
        left = max(0.0, 1 - st["answers"] / self.horizon)
        info = self.info_weight * left * rho * sd ** 2 * p * (1 - p)
        prior = np.array([st["prior"][k] for k in self.domain.kcs])
        score = prior * (gain + unlock + info)
        answers = st["answers"]
        open_ = self.practicable & np.array([answers >= st["retired"].get(k, -1) for k in self.domain.kcs])
        # A reached KC rests until the tracer's recall for it has dropped since it was reached (by more
        # after each successful review): the review schedule, relative to the level this learner showed.
        due = np.array([k not in st["reached"] or p[i] < st["reached"][k] - self._drop(st, k)
                        for i, k in enumerate(self.domain.kcs)])
        raw = score
        score = np.where(open_ & due, score, -np.inf)
        detail = {"score": raw, "p": p, "p_target": p_t, "gain": gain, "unlock": unlock, "info": info, "rho": rho,
                  "mean": mean, "sd": sd, "mean_target": mean_t, "sd_target": sd_t, "reached": reached,
                  "eta": eta, "keep": math.exp(-alpha * (target - now))}
        return score, detail

    def _drop(self, st, kc):
        return self.review_drop * self.review_growth ** st["reviews"].get(kc, 0)

    def _readiness(self, p: np.ndarray, reached: np.ndarray) -> np.ndarray:
        """The tracer's readiness times a gate on the declared parents: a tracer fitted on little
        data (a small pilot taught at random) learns a weak graph, and the author's graph, even when
        partly wrong, still says what is unlikely to be learnable yet."""
        learned = 1 / (1 + np.exp(-self.kappa * (p @ self.Pn + self.ready_bias - self.theta)))
        gate = np.where(reached, 1.0, 1 / (1 + np.exp(-self.declared_slope * (p - self.declared_ready))))
        # Product over declared parents; p may carry batch axes in front (``rollout``'s draws).
        return learned * np.prod(np.where(self.declared, gate[..., :, None], 1.0), axis=-2)

    def _choose(self, st, rng, now, belief):
        score, d = self.scores(st, now, belief if belief is not None else self._own_belief(st))
        if not np.isfinite(score).any():
            # Every KC resting or retired: the best by the same prior-weighted score, rest and
            # retirement lifted (a KC the cohort does not reach stays last).
            score = np.where(self.practicable, d["score"], -np.inf)
        best = np.flatnonzero(score >= score.max() - 1e-12)
        k = int(best[rng.integers(len(best))])
        kc = self.domain.kcs[k]
        item = self._item(st, kc)
        review = kc in st["reached"]
        why = {"kc": kc, "rule": "review: predicted recall dropped since reached" if review else "largest expected gain",
               **{name: round(float(d[name][k]), 4) for name in ("p", "p_target", "gain", "unlock", "info", "rho")},
               "target_days": self.target_days}
        return item, why

    def _item(self, st, kc):
        """The zone of proximal development: the KC's easiest item above the rung the learner has
        shown (the hardest one at the top of the ladder); fewest repeats breaks ties."""
        rung = st["rung"].get(kc)
        rung = -math.inf if rung is None else rung
        above = [d for d in self.ladder[kc] if d > rung]
        level = above[0] if above else self.ladder[kc][-1]
        counts = st["counts"]
        return min((i for i in self.domain.items_of[kc] if self.domain.item(i).difficulty == level),
                   key=lambda i: counts.get(i, 0))

    # ---- update -----------------------------------------------------------------------------------
    def _climb(self, st, kc, difficulty, outcomes):
        """The staircase on the KC's ladder: a right answer shows the item's rung; each wrong answer
        that follows a wrong one steps one rung down."""
        rung = st["rung"].get(kc)
        rung = -math.inf if rung is None else rung
        for y in outcomes:
            if y:
                rung = max(rung, difficulty)
            elif st["recent"][kc][-1:] == [0]:
                below = [d for d in self.ladder[kc] if d < rung]
                rung = below[-1] if below else -math.inf
        st["rung"][kc] = None if rung == -math.inf else rung   # JSON has no infinity

    def _folded(self, st, item, outcomes, now) -> BeliefUpdate:
        """The answers folded into the planner's own tracer state."""
        before = self._own_belief(st)
        for y in outcomes:
            st["tracer"] = self.tracer.update(st["tracer"], item, y, now * SECONDS_PER_DAY)
        return BeliefUpdate(before, st["tracer"])

    def _update(self, st, item, outcomes, now, belief):
        if st["start"] is None:
            st["start"] = now
        belief = belief if belief is not None else self._folded(st, item, outcomes, now)
        before, _, _ = self._beliefs(belief.before, now)
        p, _, _ = self._beliefs(belief.after, now)
        for kc in self.domain.item(item).kcs:
            k = self.domain.kc_index[kc]
            self._climb(st, kc, self.domain.item(item).difficulty, outcomes)
            if kc in st["reached"] and before[k] < st["reached"][kc] - self._drop(st, kc):
                # A review: one answer decides. Right: reached again, resting longer next time (the
                # spacing effect); wrong: back to practice.
                if all(outcomes):
                    st["reviews"][kc] = st["reviews"].get(kc, 0) + 1
                    st["reached"][kc] = float(p[k])
                    continue
                del st["reached"][kc]
                st["reviews"].pop(kc, None)
                st["recent"][kc] = []
            if kc not in st["reached"]:
                self._pool_count(st, "unreached", kc, len(outcomes))
            st["recent"][kc] = (st["recent"][kc] + outcomes)[-self.retire_after:]
            recent = st["recent"][kc]
            if p[k] >= self.retention or (len(recent) >= self.streak and all(recent[-self.streak:])):
                if kc not in st["reached"]:
                    self._pool_count(st, "mastered", kc, 1)
                st["reached"][kc] = float(p[k])
                continue
            half = self.retire_after // 2
            # Only at the bottom of the ladder: above it, failing says the item is too hard, not that
            # the KC cannot be learned.
            if (len(recent) >= self.retire_after and sum(recent) < len(recent) / 2
                    and sum(recent[-half:]) <= sum(recent[:half])
                    and (st["rung"][kc] is None or st["rung"][kc] <= self.ladder[kc][0])):
                # Merely locked or not learnable at all: the pooled prior against the typical KC's.
                typical = float(np.median([st["prior"][j] for j in self.domain.kcs if self.domain.items_of[j]]))
                st["retired"][kc] = st["answers"] + round(self.cooldown * typical / st["prior"][kc])
                st["recent"][kc] = []
