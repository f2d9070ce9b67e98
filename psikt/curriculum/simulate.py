"""Simulated students for the planner benchmark: four families, six scenarios, numpy only.

A ``World`` is one family under one scenario: the true course (KCs, parents, which KCs are
learnable, per-KC parameters), the ``Domain`` planners are given (the declared graph, perturbed in
S4), and ``student(learner)``, a fresh simulated learner. Everything random is seeded by
(seed, [course,] learner, stream): stream 0 draws the learner's traits and stream 1 its answers, learning and
forgetting, so every planner meets the same students with the same luck (common random numbers).

Families:
- F1, BKT with prerequisites (Corbett & Anderson 1995): a KC is mastered or not; practice masters it
  with probability learn x ability, only once all its parents are mastered.
- F2, PSI-KT-like (Zhou et al. 2024): log-odds z per KC, P(correct) = sigmoid(z - b_item); practice
  adds eta x readiness, readiness = sigmoid(kappa (mean parent recall - theta)); between answers z
  relaxes to the learner's long-term level (Ornstein-Uhlenbeck mean, exact discrete step).
- F3, difficulty ladder (zone of proximal development, Vygotsky; as in ZPDES's evaluation): a
  continuous level per KC, items on levels; practice raises the level only when the item is slightly
  above it (0 < gap <= width) and parents are mastered; success falls off with the gap.
- F4, power-law forgetting (misspecified for PSI-KT, see ``PowerLawStudent``): slip/guess answers,
  conjunctive prerequisites, power-law decay, learners differing by KC aptitude, carelessness and
  fatigue within a session.

Scenarios: S1 base; S2 forgetting; S3 half the KCs unlearnable; S4 declared graph with 30% of edges
dropped and 10% spurious; S5 students outside the planners' assumed parameters and more
heterogeneous; S6 = S1 at horizons 50 and 300.

``make_world(..., course=c)`` draws course c of a seed with shuffled names and declared order (the
benchmark's protocol); without ``course`` the seed's one course keeps the layer order of the old tables.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np

from .domain import Domain, Item

FAMILIES = ("F1", "F2", "F3", "F4")
SCENARIOS = ("S1", "S2", "S3", "S4", "S5", "S6")
LAYERS, PER_LAYER = 3, 4
ITEMS_PER_KC = {"F1": 4, "F2": 4, "F3": 8, "F4": 4}
SESSION_ITEMS = 20          # items per daily session
ITEM_GAP_DAYS = 3 / 1440    # three minutes between items within a session
RETENTION_DELAY_DAYS = 7.0
MASTERED = 0.8              # recall on a fresh item that counts as mastered


def session_time(step: int) -> float:
    """Day (float) of the step-th item: sessions of 20 items, one session a day."""
    return step // SESSION_ITEMS + (step % SESSION_ITEMS) * ITEM_GAP_DAYS


@dataclass
class Settings:
    distractors: int = 2           # unlearnable KCs (S3: as many as learnable ones)
    forgetting: float = 0.0        # per day; 0 = none
    drop_edges: float = 0.0        # S4: fraction of true edges missing from the declared graph
    spurious_edges: float = 0.0    # S4: spurious declared edges, as a fraction of true ones
    misspecified: bool = False     # S5
    horizons: tuple[int, ...] = (150,)


SCENARIO_SETTINGS = {
    "S1": Settings(),
    "S2": Settings(forgetting=0.1),
    "S3": Settings(distractors=LAYERS * PER_LAYER),
    "S4": Settings(drop_edges=0.3, spurious_edges=0.1),
    "S5": Settings(misspecified=True),
    "S6": Settings(horizons=(50, 300)),   # N = 150 is S1
}


@dataclass
class World:
    family: str
    scenario: str
    seed: int
    settings: Settings
    parents: list[list[int]]                 # true parents per KC index
    learnable: np.ndarray                    # bool [K]
    item_kc: np.ndarray                      # int [items]
    item_level: np.ndarray                   # difficulty b (F1: 0, F2: log-odds, F3: ladder level)
    kc_params: dict[str, np.ndarray]
    domain: Domain
    kcs: list[str] = field(default_factory=list)
    course: int | None = None                # None: the seed's one course in declared layer order

    @property
    def key(self) -> tuple[int, ...]:
        """What seeds everything random about this world's learners: the seed, and the course if any."""
        return (self.seed,) if self.course is None else (self.seed, self.course)

    @property
    def n_kcs(self) -> int:
        return len(self.learnable)

    def student(self, learner: int) -> Student:
        traits = np.random.default_rng([*self.key, learner, 0])
        luck = np.random.default_rng([*self.key, learner, 1])
        return STUDENTS[self.family](self, traits, luck)


def make_world(family: str, scenario: str, seed: int = 0, course: int | None = None) -> World:
    """The world of ``family`` under ``scenario``. ``course=None``: the one course of ``seed``, its KCs
    named and declared in layer order with the distractors last (the protocol of the old tables,
    kept so they reproduce). ``course=c``: course number c of ``seed``, a fresh draw whose KCs and
    items carry meaningless names in a shuffled declared order, so neither a name nor the order a
    planner is given (nor the topological sort's tie-break on it) tells the true layers."""
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}: one of {FAMILIES}")
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}: one of {SCENARIOS}")
    s = SCENARIO_SETTINGS[scenario]
    key = (seed,) if course is None else (seed, course)
    # One course per family (and course number): scenarios change the students and the declared graph,
    # not the course, so cells of a family are comparable. Parameters are drawn for the largest course
    # and sliced.
    fam = FAMILIES.index(family)
    rng = np.random.default_rng([seed, fam, 7, *key[1:]])
    perturb = np.random.default_rng([seed, fam, SCENARIOS.index(scenario), 8, *key[1:]])
    n_learn = LAYERS * PER_LAYER
    K = n_learn + s.distractors
    most = 2 * n_learn
    parents: list[list[int]] = [[] for _ in range(K)]
    for k in range(PER_LAYER, n_learn):
        above = (k // PER_LAYER - 1) * PER_LAYER
        parents[k] = sorted(int(p) for p in rng.choice(np.arange(above, above + PER_LAYER), rng.integers(1, 3), replace=False))
    learnable = np.arange(K) < n_learn
    per = ITEMS_PER_KC[family]
    item_kc = np.repeat(np.arange(K), per)
    rung = np.tile(np.arange(per), K)
    if family in ("F1", "F4"):
        level = np.zeros(len(item_kc))
    elif family == "F2":
        level = rng.normal(0.0, 0.5, most * per)[:len(item_kc)]
    else:
        level = np.tile(np.arange(per) + 0.5, K)
    params = {name: v[:K] for name, v in KC_PARAMS[family](rng, most, s.misspecified).items()}
    declared = _declared_edges(perturb, parents, s)
    if course is None:
        kcs = [f"k{k:02d}" if learnable[k] else f"x{k - n_learn:02d}" for k in range(K)]
        item_ids = [f"{kcs[k]}.{j}" for k, j in zip(item_kc, rung)]
    else:
        # The same course relabelled: index j of the shuffled world is true KC kc_order[j] (items
        # likewise), so every array below stays indexed as the domain lists KCs and items.
        shuffle = np.random.default_rng([seed, fam, 9, course])
        kc_order, item_order = shuffle.permutation(K), shuffle.permutation(len(item_kc))
        position = np.argsort(kc_order)
        parents = [sorted(int(position[p]) for p in parents[k]) for k in kc_order]
        learnable, params = learnable[kc_order], {name: v[kc_order] for name, v in params.items()}
        item_kc, level = position[item_kc[item_order]], level[item_order]
        declared = [(int(position[a]), int(position[b])) for a, b in declared]
        kcs = [f"kc-{n:04d}" for n in shuffle.choice(10_000, K, replace=False)]
        item_ids = [f"item-{n:05d}" for n in shuffle.choice(100_000, len(item_kc), replace=False)]
    items = [Item(i, (kcs[k],), float(b)) for i, k, b in zip(item_ids, item_kc, level)]
    domain = Domain(kcs=kcs, items=items, prerequisites=[(kcs[a], kcs[b]) for a, b in declared])
    return World(family, scenario, seed, s, parents, learnable, item_kc, level, params, domain, kcs, course)


def _declared_edges(rng, parents, s: Settings) -> list[tuple[int, int]]:
    true = [(p, k) for k, ps in enumerate(parents) for p in ps]
    keep = [e for e in true if rng.random() >= s.drop_edges]
    n_spurious = round(s.spurious_edges * len(true))
    # Spurious edges point from an earlier layer to a later one, so the declared graph stays a DAG.
    candidates = [(a, b) for b in range(PER_LAYER, LAYERS * PER_LAYER) for a in range(b - b % PER_LAYER)
                  if (a, b) not in true]
    picks = rng.choice(len(candidates), n_spurious, replace=False) if n_spurious else []
    return keep + [candidates[int(i)] for i in picks]


def _f1_params(rng, K, misspecified):
    if misspecified:  # slower learning, more guessing and slipping than the planners' defaults
        return {"learn": rng.uniform(0.03, 0.12, K), "guess": rng.uniform(0.25, 0.4, K), "slip": rng.uniform(0.1, 0.25, K)}
    return {"learn": rng.uniform(0.1, 0.3, K), "guess": rng.uniform(0.1, 0.3, K), "slip": rng.uniform(0.05, 0.15, K)}


def _f2_params(rng, K, misspecified):
    return {"eta": rng.uniform(0.2, 0.5, K) * (0.5 if misspecified else 1.0), "z0": rng.normal(-1.5, 0.4, K),
            "theta": np.full(K, 0.75 if misspecified else 0.6), "kappa": np.full(K, 12.0)}


def _f3_params(rng, K, misspecified):
    return {"eta": rng.uniform(0.3, 0.7, K), "width": np.full(K, 1.1 if misspecified else 1.5),
            "guess": np.full(K, 0.15)}


def _f4_params(rng, K, misspecified):
    # F1's slip/guess/learn ranges (slower and noisier under S5), plus the power law's first half-life.
    return {**_f1_params(rng, K, misspecified), "half_life": rng.uniform(0.3, 1.0, K)}


KC_PARAMS = {"F1": _f1_params, "F2": _f2_params, "F3": _f3_params, "F4": _f4_params}


class Student:
    """One simulated learner. ``answer`` advances the clock (forgetting), draws the answer and
    applies learning; ``gains`` is the oracle's view: the expected post-test gain of each item."""

    def __init__(self, world: World, traits: np.random.Generator, luck: np.random.Generator):
        self.w = world
        self.luck = luck
        self.t = 0.0
        self.answered = 0
        self.ability = float(traits.lognormal(0.0, 0.8 if world.settings.misspecified else 0.4))
        self.parent_mask = np.zeros((world.n_kcs, world.n_kcs), dtype=bool)   # [parent, child]
        for k, ps in enumerate(world.parents):
            self.parent_mask[ps, k] = True
        self._init(traits)

    # Each family defines: _init(traits), recall() -> P(correct) on a fresh item per KC,
    # p_correct(item), _practise(item, u) (learning from one item), _forget(dt), and for the oracle
    # _recall_if_practised() (expected recall per KC if that KC were practised now) or gains().

    def mastered(self) -> np.ndarray:
        return self.recall() >= MASTERED

    def unlocked(self) -> np.ndarray:
        m = self.mastered()
        return ~(self.parent_mask & ~m[:, None]).any(0)

    def ready(self) -> np.ndarray:
        """KCs practice can move now: learnable, parents mastered, not mastered yet."""
        return self.w.learnable & self.unlocked() & ~self.mastered()

    def advance(self, t: float) -> None:
        dt = t - self.t
        if dt > 0 and self.w.settings.forgetting > 0:
            self._forget(dt)
        self.t = max(self.t, t)

    def answer(self, item: int, t: float) -> bool:
        self.advance(t)
        u_answer, u_learn = self.luck.random(2)
        self.answered += 1
        correct = bool(u_answer < self.p_correct(item))
        self._practise(item, u_learn)
        return correct

    def posttest(self) -> float:
        return float(self.recall()[self.w.learnable].mean())

    def gains(self) -> np.ndarray:
        """Expected gain in post-test from practising each item now (exact for this student)."""
        return self._kc_gains()[self.w.item_kc]

    def _kc_gains(self) -> np.ndarray:
        return (self._recall_if_practised() - self.recall()) * self.w.learnable / self.w.learnable.sum()

    def posttest_bound(self, horizon: int) -> float:
        """An upper bound on the post-test of this student after ``horizon`` items under ANY policy,
        the greedy oracle included; to be called on a fresh student (before its first answer).
        Each family relaxes its own dynamics (see ``_bound``): prerequisites and forgetting are
        dropped, which only helps, and every practice counts at its largest possible effect."""
        if self.answered:
            raise ValueError("posttest_bound is for a fresh student")
        return float(self._bound(horizon) / self.w.learnable.sum())

    def _bound(self, horizon: int) -> float:
        raise NotImplementedError


def best_allocation(curves: np.ndarray, horizon: int) -> float:
    """max sum_k curves[k, n_k] over allocations with sum_k n_k <= horizon (n_k >= 0), by dynamic
    programming over KCs and the budget; ``curves[k, n]``: a KC's value after n practices (n <= horizon)."""
    best = np.zeros(horizon + 1)          # best[b]: the best sum over the KCs so far with budget b
    budget = np.arange(horizon + 1)
    for curve in curves:
        spend = budget[:, None] - budget[None, :]             # [budget b, n]: what is left for the others
        total = np.where(spend >= 0, best[np.maximum(spend, 0)] + curve[None, :], -np.inf)
        best = total.max(1)
    return float(best[horizon])


class AcquiredOrNot:
    """The bound of the families where a KC is acquired or not by one practice's luck (F1, F4).

    A practice at step t acquires KC k only if that step's learning draw u_t is below k's learning
    rate l_k, and one step practises one KC. So the KCs acquired at the end were each acquired at
    distinct steps with u_t < l_k (the last acquisition of each, if forgetting took one away):
    a matching of KCs to steps. The draws do not depend on the policy (every step draws the same
    numbers from the learner's luck, whatever is practised), so the best such matching, found with
    the future draws in hand, bounds every policy on every run: prerequisites dropped, each acquired
    KC counted at its best recall 1 - slip (F4's decay only lowers it), each other at guess."""

    def _learning_draws(self, horizon: int) -> np.ndarray:
        twin = copy.deepcopy(self)
        draws: list[float] = []
        twin._practise = lambda item, u: draws.append(u)   # the luck's order, without learning
        for step in range(horizon):
            twin.answer(0, session_time(step))
        return np.array(draws)

    def _bound(self, horizon):
        p, learnable = self.w.kc_params, self.w.learnable
        u = np.sort(self._learning_draws(horizon))
        worth = 1 - p["slip"] - p["guess"]
        chosen: list[int] = []
        # The sets of KCs that can be matched form a (transversal) matroid, so adding KCs by worth
        # while the set stays matchable finds the best one. Step t fits every KC with l_k > u_t (nested
        # neighbourhoods): a set is matchable iff its i-th slowest KC fits at least i steps (Hall).
        for k in sorted(np.flatnonzero(learnable), key=lambda k: -worth[k]):
            rates = np.sort(self.learn[chosen + [k]])
            if (np.searchsorted(u, rates, side="left") >= np.arange(1, len(rates) + 1)).all():
                chosen.append(k)
        return float(p["guess"][learnable].sum() + worth[chosen].sum())


class BKTStudent(AcquiredOrNot, Student):
    def _init(self, traits):
        self.state = np.zeros(self.w.n_kcs, dtype=bool)
        self.learn = np.where(self.w.learnable, np.minimum(1.0, self.w.kc_params["learn"] * self.ability), 0.0)

    def recall(self):
        p = self.w.kc_params
        return np.where(self.state, 1 - p["slip"], p["guess"])

    def mastered(self):
        return self.state.copy()

    def p_correct(self, item):
        return float(self.recall()[self.w.item_kc[item]])

    def _practise(self, item, u):
        k = self.w.item_kc[item]
        if self.unlocked()[k] and u < self.learn[k]:
            self.state[k] = True

    def _forget(self, dt):
        lost = self.luck.random(self.w.n_kcs) < 1 - np.exp(-self.w.settings.forgetting * dt)
        self.state &= ~lost

    def _recall_if_practised(self):
        p = self.w.kc_params
        return self.recall() + (~self.state & self.unlocked()) * self.learn * (1 - p["slip"] - p["guess"])


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


class PSIStudent(Student):
    def _init(self, traits):
        p = self.w.kc_params
        self.level = p["z0"] + traits.normal(0, 0.3)            # long-term level (OU mean)
        self.z = self.level.copy()
        self.eta = np.where(self.w.learnable, p["eta"] * self.ability, 0.0)

    def recall(self):
        return _sigmoid(self.z)

    def p_correct(self, item):
        return float(_sigmoid(self.z[self.w.item_kc[item]] - self.w.item_level[item]))

    def readiness(self) -> np.ndarray:
        """Per KC: sigmoid(kappa (mean parent recall - theta)); 1 for roots."""
        p = self.w.kc_params
        n_parents = self.parent_mask.sum(0)
        parent_recall = (self.recall() @ self.parent_mask) / np.maximum(n_parents, 1)
        return np.where(n_parents > 0, _sigmoid(p["kappa"] * (parent_recall - p["theta"])), 1.0)

    def _practise(self, item, u):
        k = self.w.item_kc[item]
        self.z[k] += self.eta[k] * self.readiness()[k]

    def unlocked(self):
        return self.readiness() >= 0.5

    def _forget(self, dt):
        self.z = self.level + (self.z - self.level) * np.exp(-self.w.settings.forgetting * dt)

    def _recall_if_practised(self):
        return _sigmoid(self.z + self.eta * self.readiness())

    def _bound(self, horizon):
        # z starts at the learner's level, practice adds eta x readiness <= eta and forgetting pulls
        # z back towards the level, so after n practices z_k <= level_k + eta_k n: the best split
        # of the horizon over the learnable KCs with readiness 1 everywhere.
        n = np.arange(horizon + 1)
        k = np.flatnonzero(self.w.learnable)
        return best_allocation(_sigmoid(self.level[k, None] + self.eta[k, None] * n), horizon)


class LadderStudent(Student):
    POSTTEST_LEVEL, POSTTEST_SLOPE = 3.0, 1.5

    def _init(self, traits):
        self.level = np.zeros(self.w.n_kcs)
        self.eta = np.where(self.w.learnable, self.w.kc_params["eta"] * self.ability, 0.0)

    def _recall_at(self, level):
        return _sigmoid(self.POSTTEST_SLOPE * (level - self.POSTTEST_LEVEL))

    def recall(self):
        return self._recall_at(self.level)

    def p_correct(self, item):
        k = self.w.item_kc[item]
        g = self.w.kc_params["guess"][k]
        return float(g + (1 - g) * _sigmoid(2 * (self.level[k] - self.w.item_level[item]) + 1))

    def _levels_after(self, items: np.ndarray) -> np.ndarray:
        """Level of each item's KC after practising it: up by eta, never past the item's level, only
        inside the zone (0 < gap <= width) and with the parents mastered."""
        k = self.w.item_kc[items]
        gap = self.w.item_level[items] - self.level[k]
        inside = (gap > 0) & (gap <= self.w.kc_params["width"][k]) & self.unlocked()[k]
        return np.where(inside, np.minimum(self.level[k] + self.eta[k], self.w.item_level[items]), self.level[k])

    def _practise(self, item, u):
        self.level[self.w.item_kc[item]] = self._levels_after(np.array([item]))[0]

    def _forget(self, dt):
        self.level *= np.exp(-self.w.settings.forgetting * dt)

    def _bound(self, horizon):
        # A practice raises a level by at most eta and never past the practised item's level, and
        # forgetting only lowers it: after n practices level_k <= min(eta_k n, the KC's top item).
        n = np.arange(horizon + 1)
        k = np.flatnonzero(self.w.learnable)
        top = np.array([self.w.item_level[self.w.item_kc == j].max() for j in k])
        return best_allocation(self._recall_at(np.minimum(self.eta[k, None] * n, top[:, None])), horizon)

    def gains(self):
        items = np.arange(len(self.w.item_kc))
        k = self.w.item_kc
        return ((self._recall_at(self._levels_after(items)) - self.recall()[k]) * self.w.learnable[k]
                / self.w.learnable.sum())


class PowerLawStudent(AcquiredOrNot, Student):
    """F4: what PSI-KT does not assume. A KC is acquired or not (slip/guess answers, as BKT) and is
    acquired only once every parent is mastered (conjunctive). An acquired KC's knowledge decays as a
    power law of the time since it was last practised, r = (1 + dt / h)^-d, whose scale h grows with
    each practice (ACT-R-like; PSI-KT assumes exponential relaxation). Learners differ in ways the
    tracer's traits do not carry: an aptitude per KC (not one learning rate), a careless-error rate,
    and fatigue that makes answers late in a session wrong more often (both touch the answers only,
    not the knowledge the post-test measures)."""

    DECAY, DECAY_PER_FORGETTING = 0.1, 2.0     # d in S1; S2 (forgetting 0.1) gives 0.3

    def _init(self, traits):
        p = self.w.kc_params
        aptitude = traits.lognormal(0.0, 0.5, self.w.n_kcs)
        self.learn = np.where(self.w.learnable, np.minimum(1.0, p["learn"] * self.ability * aptitude), 0.0)
        self.careless = float(traits.beta(1.0, 12.0))
        self.fatigue = float(traits.uniform(0.0, 0.3))
        self.acquired = np.zeros(self.w.n_kcs, dtype=bool)
        self.practices = np.zeros(self.w.n_kcs)
        self.last = np.zeros(self.w.n_kcs)
        self.decay = self.DECAY + self.DECAY_PER_FORGETTING * self.w.settings.forgetting

    def _strength(self, dt, practices):
        return (1 + dt / (self.w.kc_params["half_life"] * (1 + practices))) ** -self.decay

    def _recall_given(self, strength):
        p = self.w.kc_params
        return np.where(self.acquired, p["guess"] + (1 - p["guess"] - p["slip"]) * strength, p["guess"])

    def recall(self):
        return self._recall_given(self._strength(self.t - self.last, self.practices))

    def p_correct(self, item):
        within = (self.t % 1) / (SESSION_ITEMS * ITEM_GAP_DAYS)    # share of the day's session done
        return float(self.recall()[self.w.item_kc[item]] * (1 - self.careless) * (1 - self.fatigue * within))

    def _practise(self, item, u):
        k = self.w.item_kc[item]
        if self.acquired[k]:
            self.practices[k] += 1
            self.last[k] = self.t
        elif self.unlocked()[k] and u < self.learn[k]:
            self.acquired[k], self.last[k] = True, self.t

    def _forget(self, dt):
        pass   # knowledge is a function of the time since practice: recall() reads the clock

    def _recall_if_practised(self):
        p = self.w.kc_params
        fresh = p["guess"] + (1 - p["guess"] - p["slip"])
        return np.where(self.acquired, fresh, self.recall() + self.unlocked() * self.learn * (fresh - p["guess"]))


STUDENTS = {"F1": BKTStudent, "F2": PSIStudent, "F3": LadderStudent, "F4": PowerLawStudent}
