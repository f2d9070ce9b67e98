"""`rollout`: the next item chosen to maximise an explicit objective, the expected post-test at the
horizon, by rollouts of the tracer's belief.

The objective is the benchmark's post-test read through the tracer: J = sum_k w_k E[sigmoid(z_k(T*))],
the predicted recall of every KC at the target time T* (the end of the horizon), each weighted by
w_k, the pooled prior that the KC can be learned at all (``adaptive``'s pool: a KC nobody reaches
weighs little, as an unlearnable KC adds nothing to the post-test).

Each choice:

1. **Thompson draws from the belief**: ``samples`` draws eps ~ N(0, I) give the learner's knowledge
   now, z = mean + sd eps, and at T*, z* = mean* + sd* eps (the tracer's prediction without further
   practice; the same eps couples the two). Planning on draws, not on the mean, explores where the
   tracer is unsure: a KC whose belief is wide is sometimes drawn as nearly known and sometimes as
   far from it, and is tried accordingly (Thompson sampling; ``samples=1`` is pure Thompson, more
   draws average towards the expected value).
2. **Rollout**: for each of the ``width`` open KCs of largest one-step gain (``adaptive``'s gain at
   T*, times w_k) as the first action k, the tracer's own dynamics are run forward
   ``depth`` steps on each draw: practice adds eta g_j rho_j(z) to z_j (eta the learner's learning
   rate, g_j the KC's fitted gain, rho_j the readiness of ``adaptive``: the fitted graph times a gate
   on the declared parents), and its effect on z*_j is decayed by exp(-alpha (T* - now)) (forgetting
   until T*). After the first action, the rollout continues with the greedy base policy (the open KC
   with the largest one-step gain in J); the value of k is J at the end of the rollout, averaged
   over the draws (a policy rollout, Bertsekas & Tsitsiklis 1996, sec. 6.1). The lookahead is what
   values a prerequisite for the gains it unlocks: practising a parent raises its children's
   readiness, which the later steps of the rollout collect.
3. The best KC is practised at its zone of proximal development (``adaptive``'s staircase over the
   KC's declared difficulties).

What is kept from ``adaptive``: the tracer and how its belief is owned (``planners.base``), the pooled
prior, retirement of a KC that does not move for this learner (the tracer's model has no
unlearnable KC, so a distractor would otherwise look as promising as any other), and the item
staircase. What is not: the rest and review rules and the information bonus; when to come back to a
KC and which uncertain KC to try are decided by the objective on the draws.

Knobs (tuned on the development seeds only, see docs/benchmarks.md): ``depth`` (steps per rollout),
``samples`` (draws per choice), ``width`` (first actions rolled out). Cost per select: adaptive's
scores plus samples x width x depth evaluations of the readiness, each O(K^2).
"""
from __future__ import annotations

import numpy as np

from .adaptive import AdaptivePlanner


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


class RolloutPlanner(AdaptivePlanner):
    name = "rollout"

    def __init__(self, domain, seed=0, *, depth: int = 3, samples: int = 4, width: int = 8, **adaptive_params):
        super().__init__(domain, seed, **adaptive_params)
        if depth < 1 or samples < 1 or width < 1:
            raise ValueError("rollout needs depth, samples and width of at least 1")
        self.depth, self.samples, self.width = depth, samples, width

    def _choose(self, st, rng, now, belief):
        # adaptive's scores give the belief and which KCs are open: not retired, and not resting
        # after being reached (the tracer, fitted on little data, keeps a reached KC's recall low, and
        # would otherwise send the learner back to what they just showed they know).
        rested, d = self.scores(st, now, belief if belief is not None else self._own_belief(st))
        open_ = np.isfinite(rested)
        if not open_.any():  # every KC resting or retired: rest and retirement lifted
            open_ = self.practicable
        weight = np.array([st["prior"][k] for k in self.domain.kcs]) * self.practicable
        # Rollouts start from the `width` open KCs of largest one-step gain (ties at random), so the
        # cost does not grow with the course.
        ranked = np.lexsort((rng.random(len(weight)), -np.where(open_, weight * d["gain"], -np.inf)))
        first = ranked[:min(self.width, int(open_.sum()))]
        eps = rng.standard_normal((self.samples, 1, len(weight)))
        z_t = d["mean_target"] + d["sd_target"] * eps
        value = self.rollout_values(d["mean"] + d["sd"] * eps, z_t, d["eta"] * self.kc_gain, d["keep"], weight,
                                    d["reached"], open_, first, min(self.depth, max(1, self.horizon - st["answers"])))
        score = value.mean(0)
        best = np.flatnonzero(score >= score.max() - 1e-12)
        k = int(first[best[rng.integers(len(best))]])
        kc = self.domain.kcs[k]
        review = kc in st["reached"]
        return self._item(st, kc), {"kc": kc, "rule": "review: largest expected post-test at the horizon" if review
                                    else "largest expected post-test at the horizon",
                                    "value": round(float(score.max()), 4),
                                    # J on the same draws without further practice
                                    "value_now": round(float((weight * _sigmoid(z_t)).sum(-1).mean()), 4),
                                    "target_days": self.target_days}

    def rollout_values(self, z, z_t, step, keep, weight, reached, open_, first, depth) -> np.ndarray:
        """J after practising KC ``first[c]`` and then ``depth - 1`` greedy steps, per draw and c:
        ``z``, ``z_t`` [draws, 1, K] the drawn knowledge now and at T*; returns [draws, len(first)]."""
        z = np.repeat(z, len(first), axis=1)          # [draws, first action, K]
        z_t = np.repeat(z_t, len(first), axis=1)
        for level in range(depth):
            gain = step * self._readiness(_sigmoid(z), reached)   # the practised increment
            if level == 0:
                action = np.broadcast_to(first, z.shape[:2])
            else:   # the greedy base policy: the open KC whose step adds most to J
                delta = weight * (_sigmoid(z_t + gain * keep) - _sigmoid(z_t))
                action = np.where(open_, delta, -np.inf).argmax(-1)
            inc = np.take_along_axis(gain, action[..., None], -1)
            np.put_along_axis(z, action[..., None], np.take_along_axis(z, action[..., None], -1) + inc, -1)
            np.put_along_axis(z_t, action[..., None], np.take_along_axis(z_t, action[..., None], -1) + inc * keep, -1)
        return (weight * _sigmoid(z_t)).sum(-1)
