"""What every planner shares: per-learner JSON state, seeded choices, the select/observe/explain cycle.

Per-learner state is a plain dict of JSON types, so the web app can persist it and a restored planner
continues exactly where the saved one stopped. Randomness is derived from (seed, learner, number of
selections so far) instead of a stored generator, which keeps the state small and the restore exact.

A host that keeps the learners' states itself (the web app, one database row per learner, served by
many processes) needs three more things of a planner, and they are part of this contract:

- The learner's belief has one owner. A planner that plans on a knowledge tracer (``needs_tracer``)
  is built with ``tracer=``; a host that keeps each learner's tracer state passes it to ``select``
  (``belief``) and ``observe`` (``BeliefUpdate``), and the planner keeps no copy. A caller that has
  no tracer state of its own (the benchmark) passes nothing, and the planner folds the answers into a
  belief it keeps in the learner's state.
- What survives a rebuild: a host rebuilding a learner's state from the answer log can replay the
  answers but not the choices; ``carried_over(state)`` names what it must keep (``start(keep=...)``).
- Pooling across learners: a planner with a ``share_key`` keeps each learner's contribution to a
  cohort-wide pool under that key of its state; a host that serves learners apart sums them with
  ``pool_of`` and ``load_pool`` before a learner starts (when ``pool_needed`` says so).
"""
from __future__ import annotations

import copy
import zlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..domain import Domain


class UnknownLearnerError(KeyError):
    pass


@dataclass(frozen=True)
class BeliefUpdate:
    """A host's tracer state of one learner just before and just after the answer it reports."""

    before: dict
    after: dict


class Planner:
    name = "base"
    needs_tracer: ClassVar[bool] = False  # built with tracer=; see the module docstring
    replay_keeps: ClassVar[tuple[str, ...]] = ("selections", "why")  # what the answer log cannot replay
    share_key: ClassVar[str | None] = None  # where a learner's contribution to the pool is kept

    def __init__(self, domain: Domain, seed: int = 0):
        self.domain = domain
        self.seed = int(seed)
        self._states: dict[str, dict] = {}

    # ---- per-learner hooks implemented by each planner ------------------------------------------
    def _initial(self) -> dict:
        return {}

    def _choose(self, st: dict, rng: np.random.Generator, now: float, belief: dict | None) -> tuple[str, dict]:
        """The next item and the reasons for it (shown by ``explain``); ``belief``: the host's tracer
        state of the learner, for a planner that ``needs_tracer`` (None otherwise)."""
        raise NotImplementedError

    def _update(self, st: dict, item: str, outcomes: list[int], now: float, belief: BeliefUpdate | None) -> None:
        pass

    # ---- public interface -----------------------------------------------------------------------
    def start(self, learner: str, keep: dict | None = None) -> None:
        """A new learner. ``keep``: fields of an earlier state to carry over (a server rebuilding a
        learner from its answer log keeps what the log cannot replay: choices made, a prior)."""
        self._states[learner] = {"selections": 0, "answers": 0, "counts": {}, "why": {}, **self._initial(), **(keep or {})}

    def select(self, learner: str, now: float = 0.0, belief: dict | None = None, avoid: Sequence[str] = (),
               only: Collection[str] | None = None) -> str:
        """The learner's next item. ``belief``: the host's tracer state of the learner (see the module
        docstring); planners that do not plan on a tracer ignore it. ``avoid``: items the learner
        just skipped. ``only``: the items the host allows now (a teacher's assignment), None for all.
        When the planner's choice is avoided or not allowed, another allowed item that is not avoided
        is served: the least practised of the choice's skill, else the least practised of all (the
        course's order breaks ties), else the choice; ``explain`` names the choice ("skipped" or
        "not_allowed") and, for one not allowed, the served item's skill as "kc"."""
        st = self._state(learner)
        rng = np.random.default_rng([self.seed, zlib.crc32(learner.encode()), st["selections"]])
        item, why = self._choose(st, rng, float(now), belief)
        outside = only is not None and item not in only
        if outside or item in avoid:
            instead = self._instead_of(st, item, set(avoid), only)
            why = {**why, "not_allowed": item} if outside else {**why, "skipped": item}
            if outside and self.domain.item(instead).kcs:
                why["kc"] = self.domain.item(instead).kcs[0]
            item = instead
        st["selections"] += 1
        st["why"] = {"item": item, **why}
        return item

    def _instead_of(self, st: dict, item: str, avoid: set[str], only: Collection[str] | None) -> str:
        permitted = [i.id for i in self.domain.items if only is None or i.id in only]
        allowed = [i for i in permitted if i not in avoid]
        if not allowed:  # every permitted item is avoided: the choice again if permitted, else one that is
            return item if item in permitted or not permitted else min(permitted, key=lambda i: st["counts"].get(i, 0))
        kcs = set(self.domain.item(item).kcs)
        siblings = [i for i in allowed if kcs & set(self.domain.item(i).kcs)]
        return min(siblings or allowed, key=lambda i: st["counts"].get(i, 0))

    def observe(self, learner: str, item: str, correct: bool | Sequence[bool], now: float = 0.0,
                belief: BeliefUpdate | None = None) -> None:
        """Record an answer. ``correct`` is one outcome, or a group of sampled answers to the same item
        (model-students in RL fine-tuning report several). ``belief``: the host's tracer state of the
        learner around this answer (see the module docstring)."""
        st = self._state(learner)
        self.domain.item(item)  # unknown items fail here, before the state changes
        outcomes = [int(bool(c)) for c in correct] if isinstance(correct, (list, tuple, np.ndarray)) else [int(bool(correct))]
        if not outcomes:
            raise ValueError("observe needs at least one outcome")
        st["answers"] += 1
        st["counts"][item] = st["counts"].get(item, 0) + 1
        self._update(st, item, outcomes, float(now), belief)

    def explain(self, learner: str) -> dict:
        st = self._state(learner)
        return {"planner": self.name, "answers": st["answers"], **copy.deepcopy(st["why"])}

    def save_state(self, learner: str) -> dict:
        return copy.deepcopy(self._state(learner))

    def load_state(self, learner: str, state: dict) -> None:
        self._states[learner] = copy.deepcopy(state)

    def release_state(self, learner: str) -> dict:
        """The learner's state handed over, not copied, and forgotten here: for a caller that keeps
        the states itself (the web app, in its database), so the planner holds none between calls."""
        state = self._state(learner)
        del self._states[learner]
        return state

    # ---- for a host that keeps the states (see the module docstring) ----------------------------
    def carried_over(self, state: dict) -> dict:
        """The fields of a saved state that a rebuild from the answer log keeps: the log holds
        answers, not choices (how many items were chosen seeds the random draws; why the last one)."""
        return {key: value for key, value in state.items() if key in self.replay_keeps}

    def pool_needed(self, keep: dict) -> bool:
        """Whether a learner starting with ``keep`` draws on the pool (``share_key`` planners)."""
        return self.share_key is not None

    def pool_of(self, shares) -> dict:
        """The pool of a cohort: the sum of its learners' saved shares (None for one not started)."""
        return {}

    def load_pool(self, pool: dict) -> None:
        pass

    def _state(self, learner: str) -> dict:
        try:
            return self._states[learner]
        except KeyError:
            raise UnknownLearnerError(f"learner {learner!r} not started: call start() or load_state()") from None

    # ---- helpers shared by planners -------------------------------------------------------------
    def least_practised_item(self, st: dict, kc: str) -> str:
        """The KC's item practised least by this learner (declared order breaks ties), so practice
        rotates over fresh items instead of repeating one."""
        counts = st["counts"]
        return min(self.domain.items_of[kc], key=lambda i: counts.get(i, 0))

    def parents_done(self, kc: str, done) -> bool:
        return all(p in done for p in self.domain.parents[kc])


def sample(rng: np.random.Generator, weights: np.ndarray) -> int:
    """Index drawn with probability proportional to non-negative ``weights`` (uniform if all zero)."""
    w = np.asarray(weights, dtype=float)
    total = w.sum()
    if not np.isfinite(total) or total <= 0:
        return int(rng.integers(len(w)))
    return int(rng.choice(len(w), p=w / total))


def softmax(x: np.ndarray, temperature: float) -> np.ndarray:
    z = np.asarray(x, dtype=float) / temperature
    z = np.exp(z - z.max())
    return z / z.sum()
