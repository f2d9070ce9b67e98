"""The public Tracer: a fitted PSI-KT model that filters learners online, one answer at a time.

Learner state is a plain JSON-serialisable dict of O(K) floats:
``{"version": 1, "mean": [K], "var": [K], "loading": [K], "mu": [mean, var], "traits": [5 raw],
"t": seconds | None, "n": answers}`` (see filter.Belief). ``update`` is pure: it returns a new dict.

Traits: the level mu is filtered online with every answer (exactly, in closed form). The other four
(alpha, sigma, gamma, eta) are static per learner: a new learner starts at the population mean and
``estimate_traits`` re-estimates them from the learner's own history with the globals fixed (a
background job's call, not part of ``update``); the state carries them from then on.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from . import filter as adf
from .batching import encode
from .data import SECONDS_PER_DAY, Sequence
from .model import (
    STATIC_TRAITS,
    TRAIT_NAMES,
    filter_params_of,
    item_matrices,
    link_traits,
    prerequisite_matrix,
)
from .online import online_probs

CHECKPOINT_VERSION = 2  # 2: the config says how edges are read (model.normalised_prerequisites)
# Per-KC globals and their neutral values: a cold-started KC without declared prerequisites gets these.
PER_KC_NEUTRAL = {"kc_offset": 0.0, "kc_log_gain": 0.0, "kc_log_v0": 0.0}
STATE_VERSION = 1


@dataclass
class Mastery:
    """P(KC mastered) = E[sigmoid(z_k)], with the Gaussian belief's mean and standard deviation."""

    p: float
    mean: float
    sd: float


@dataclass
class Prerequisites:
    """The learned graph: ``matrix[j, k]`` = P(kcs[j] is a prerequisite of kcs[k]); ``top[k]`` lists
    the strongest prerequisites of KC k as (kc, probability), strongest first. ``low``, ``high``: each
    edge's bootstrap interval (``graph.edge_bootstrap``) where the fit computed one, else None."""

    kcs: list[str]
    matrix: np.ndarray
    top: dict[str, list[tuple[str, float]]]
    low: np.ndarray | None = None
    high: np.ndarray | None = None


class Tracer:
    """A fitted knowledge tracer. Build with ``psikt.tracing.fit`` or ``Tracer.load``."""

    def __init__(self, params: dict[str, torch.Tensor], kcs: list[str], items: list[str],
                 item_kcs: dict[str, tuple[str, ...]], config: dict, declared: torch.Tensor | None = None,
                 learner_traits: dict[str, list[float]] | None = None):
        self.params = {k: v.detach().cpu().float().clone() for k, v in params.items()}
        for name, neutral in PER_KC_NEUTRAL.items():  # checkpoints saved before these globals existed
            self.params.setdefault(name, torch.full((len(kcs),), neutral))
        self.params.setdefault("practice_log_var", torch.tensor(-math.inf))  # and before issue 24: none
        self.kcs = list(kcs)
        self.items = list(items)
        self.item_kcs = {i: tuple(item_kcs[i]) for i in items}
        self.config = dict(config)
        K = len(kcs)
        self.declared = declared.detach().cpu().bool().clone() if declared is not None else torch.zeros(K, K, dtype=torch.bool)
        # Raw traits of the learners seen in training (posterior means), for new_learner(traits=...).
        self.learner_traits = dict(learner_traits or {})
        self._reindex()

    # ---- vocabulary and cold start -------------------------------------------------------------
    def _reindex(self):
        self.kc_index = {k: i for i, k in enumerate(self.kcs)}
        self.item_index = {i: n for n, i in enumerate(self.items)}
        self._fp = None

    def add_kc(self, kc: str, prerequisites: tuple[str, ...] | list[str] = ()) -> None:
        """Cold start for a KC unseen in training: embedding and offset are the means of its
        declared prerequisites (zero without any), and the declared edges get the fit's prior boost."""
        if kc in self.kc_index:
            return
        idx = [self.kc_index[p] for p in prerequisites if p in self.kc_index]
        for name, neutral in (("U", 0.0), *PER_KC_NEUTRAL.items()):
            value = self.params[name]
            new = value[idx].mean(0) if idx else torch.full_like(value[0], neutral)
            self.params[name] = torch.cat([value, new[None]])
        K = len(self.kcs) + 1
        declared = torch.zeros(K, K, dtype=torch.bool)
        declared[:-1, :-1] = self.declared
        declared[idx, K - 1] = True
        self.declared = declared
        self.kcs.append(kc)
        self._reindex()

    def add_item(self, item: str, kcs: tuple[str, ...] | list[str], difficulty: float = 0.0) -> None:
        """Cold start for an item unseen in training (difficulty 0 by default); unknown KCs are added."""
        if item in self.item_index:
            return
        for kc in kcs:
            self.add_kc(kc)
        self.params["item_b"] = torch.cat([self.params["item_b"], torch.tensor([float(difficulty)])])
        self.items.append(item)
        self.item_kcs[item] = tuple(kcs)
        self._reindex()

    def _item(self, item: str, kcs) -> int:
        if item not in self.item_index:
            if kcs is None:
                raise KeyError(f"unknown item {item!r}: pass kcs=... to cold-start it")
            self.add_item(item, kcs)
        return self.item_index[item]

    # ---- the filter's parameters --------------------------------------------------------------
    def prerequisite_tensor(self) -> torch.Tensor:
        p = self.params
        return prerequisite_matrix(p["U"], p["W"], p["edge_bias"], self.declared, self.config.get("declared_boost", 0.0))

    @property
    def filter_params(self) -> adf.FilterParams:
        if self._fp is None:
            with torch.no_grad():
                p = self.params
                q, h = item_matrices([[self.kc_index[k] for k in self.item_kcs[i]] for i in self.items], len(self.kcs))
                self._fp = filter_params_of(p, self.prerequisite_tensor(), q, h,
                                            self.config.get("prerequisite_weights", "capped"))
        return self._fp

    def _linked(self, raw) -> torch.Tensor:
        """Linked traits [B, 5] from raw ones (a list or a tensor that may require grad)."""
        traits = link_traits(torch.as_tensor(raw, dtype=torch.float32).reshape(-1, 5))
        if "forgetting" in self.config.get("ablate", ()):
            traits = torch.cat([torch.full_like(traits[:, :1], NO_FORGETTING), traits[:, 1:]], 1)
        return traits

    # ---- online API -----------------------------------------------------------------------------
    def new_learner(self, traits: list[float] | None = None) -> dict:
        """Initial state of an unseen learner: population-mean traits unless raw ``traits`` are given."""
        raw = list(map(float, traits)) if traits is not None else self.params["trait_loc"].tolist()
        with torch.no_grad():
            bel = adf.init_belief(self.filter_params, self._linked(raw))
        return self._state(bel, raw, None, 0)

    @staticmethod
    def _state(bel: adf.Belief, raw: list[float], t: float | None, n: int) -> dict:
        return {"version": STATE_VERSION, "mean": bel.mean[0].tolist(), "var": bel.var[0].tolist(),
                "loading": bel.loading[0].tolist(), "mu": [float(bel.mu_mean[0]), float(bel.mu_var[0])],
                "traits": list(raw), "t": t, "n": n}

    def _belief(self, state: dict) -> tuple[adf.Belief, torch.Tensor]:
        if state.get("version") != STATE_VERSION:
            raise ValueError(f"learner state version {state.get('version')!r}, expected {STATE_VERSION}")
        traits = self._linked(state["traits"])
        f = lambda key: torch.tensor([state[key]], dtype=torch.float32)
        bel = adf.Belief(f("mean"), f("var"), f("loading"), torch.tensor([state["mu"][0]]),
                         torch.tensor([state["mu"][1]]))
        known = bel.mean.shape[1]
        if known < len(self.kcs):  # KCs cold-started after this state was made start at their prior
            prior = adf.init_belief(self.filter_params, traits)
            bel = adf.Belief(*(torch.cat([getattr(bel, k), getattr(prior, k)[:, known:]], 1)
                               for k in ("mean", "var", "loading")), bel.mu_mean, bel.mu_var)
        return bel, traits

    def _elapsed_days(self, state: dict, t: float | None) -> torch.Tensor:
        """Days from the last answer to t (seconds); one ``step_days`` when either has no clock."""
        if state["n"] == 0:
            dt = 0.0
        elif t is None or state["t"] is None:
            dt = self.config["step_days"]
        else:
            dt = max(float(t) - state["t"], 0.0) / SECONDS_PER_DAY
        return torch.tensor([dt], dtype=torch.float32)

    def _belief_at(self, state: dict, t: float | None):
        bel, traits = self._belief(state)
        return adf.advance(self.filter_params, traits, bel, self._elapsed_days(state, t)), traits

    def update(self, state: dict, item: str, correct: bool | int, t: float | None = None, *, kcs=None) -> dict:
        """New state after the learner answered ``item`` at time ``t`` (seconds; None: no clock).
        ``kcs`` cold-starts an unseen item. Cost O(K^2) for the graph's target, no replay of history."""
        with torch.no_grad():
            i = torch.tensor([self._item(item, kcs)])
            bel, traits = self._belief(state)
            _, _, bel = adf.step(self.filter_params, traits, bel, i, self._elapsed_days(state, t),
                                 torch.tensor([float(correct)]))
        return self._state(bel, state["traits"], None if t is None else float(t), state["n"] + 1)

    def predict(self, state: dict, item: str | None = None, t: float | None = None, *, kc: str | None = None,
                kcs=None) -> float:
        """P(correct) on ``item`` (or on a KC, difficulty 0, when ``kc`` is given) at time ``t``."""
        with torch.no_grad():
            index = self._item(item, kcs) if item is not None else None  # may cold-start: before the belief
            bel, _ = self._belief_at(state, t)
            if index is not None:
                return float(adf.predict_prob(self.filter_params, bel, torch.tensor([index]))[0])
            if kc is None:
                raise ValueError("predict needs an item or a kc")
            zm, zv = bel.z_moments()
            k = self.kc_index[kc]
            return float(adf.expected_sigmoid(zm[:, k], zv[:, k])[0])

    def mastery(self, state: dict, t: float | None = None) -> dict[str, Mastery]:
        """Per-KC mastery at time t (default: right after the last answer) with its uncertainty."""
        with torch.no_grad():
            bel, _ = self._belief_at(state, t) if t is not None else self._belief(state)
            zm, zv = (x[0] for x in bel.z_moments())
            p = torch.sigmoid(zm / torch.sqrt(1 + math.pi * zv / 8))
        return {kc: Mastery(float(p[k]), float(zm[k]), float(math.sqrt(zv[k]))) for k, kc in enumerate(self.kcs)}

    def traits(self, state: dict) -> dict[str, float]:
        """The learner's cognitive traits: forgetting rate alpha (1/day), long-term level mu (its
        current posterior mean; ``mu_sd`` its uncertainty), volatility sigma, transfer gamma in (0, 1),
        learning rate eta."""
        traits = dict(zip(TRAIT_NAMES, self._linked(state["traits"])[0].tolist()))
        traits["mu"] = state["mu"][0]
        traits["mu_sd"] = math.sqrt(state["mu"][1])
        return traits

    def prerequisites(self, top: int = 3) -> Prerequisites:
        """The learned prerequisite graph and the ``top`` strongest prerequisites per KC."""
        with torch.no_grad():
            P = self.prerequisite_tensor().numpy()
        best = {}
        for k, kc in enumerate(self.kcs):
            order = np.argsort(-P[:, k])[:top]
            best[kc] = [(self.kcs[j], float(P[j, k])) for j in order if j != k]
        return Prerequisites(self.kcs, P, best, *self._edge_intervals())

    def _edge_intervals(self) -> tuple[np.ndarray | None, np.ndarray | None]:
        """The stored bootstrap interval of every edge in ``self.kcs`` order; None for all edges when
        there is none, or when a KC was added after it was computed (its edges were never resampled)."""
        stored = self.config.get("edge_intervals")
        if not stored or set(stored["kcs"]) != set(self.kcs):
            return None, None
        order = [stored["kcs"].index(kc) for kc in self.kcs]
        return tuple(np.asarray(stored[side])[np.ix_(order, order)] for side in ("low", "high"))

    def estimate_traits(self, state: dict, items: list[str], correct: list[int], times: list[float] | None = None,
                        steps: int = 30, lr: float = 0.05) -> dict:
        """MAP re-estimate of the static traits (alpha, sigma, gamma, eta) from the learner's own
        history with the globals fixed, warm-started from the state's; returns a state refiltered over
        that history with the new traits. (The level mu needs no refit: the filter tracks it.)"""
        fp = self.filter_params
        seq = Sequence("_", 0, list(items), [self.item_kcs[i] for i in items], np.array(correct, dtype=np.int64),
                       np.array(times if times is not None else [np.nan] * len(items), dtype=float))
        it, dt, y, _ = encode([seq], self.item_index, self.config["step_days"])
        raw = torch.tensor([state["traits"]], dtype=torch.float32)
        free = torch.tensor(STATIC_TRAITS)
        loc, scale = self.params["trait_loc"][free], F.softplus(self.params["trait_scale"][free])
        static = raw[:, free].clone().requires_grad_(True)
        opt = torch.optim.Adam([static], lr=lr)
        for _ in range(steps):
            opt.zero_grad()
            _, logp = adf.run(fp, self._linked(raw.index_copy(1, free, static)), it, dt, y)
            prior = torch.distributions.Normal(loc, scale).log_prob(static).sum()
            (-(logp.sum() + prior)).backward()
            opt.step()
        new = self.new_learner(raw.index_copy(1, free, static.detach())[0].tolist())
        for i, yi, ti in zip(items, correct, times if times is not None else [None] * len(items)):
            new = self.update(new, i, yi, ti)
        return new

    # ---- batched evaluation path ----------------------------------------------------------------
    def filter_sequences(self, seqs: list[Sequence], observed: list[np.ndarray] | None = None,
                         batch_size: int = 512, online_traits: bool = False) -> list[np.ndarray]:
        """P(correct) for every answer of every sequence, each made before its answer is seen, with
        population-mean traits (the same filter as ``update``/``predict``, batched); with
        ``online_traits`` each learner's static traits are estimated from their own earlier answers
        (psikt.tracing.online). Unseen items are cold-started from their KCs."""
        for s in seqs:
            for item, kcs in zip(s.items, s.kcs):
                self._item(item, kcs)
        fp = self.filter_params
        out = [None] * len(seqs)
        # Longest first, so that in each batch the filter drops learners as their sequences end.
        order = sorted(range(len(seqs)), key=lambda n: -len(seqs[n]))
        with torch.no_grad():
            for start in range(0, len(seqs), batch_size):
                rows = order[start:start + batch_size]
                chunk = [seqs[n] for n in rows]
                it, dt, y, mask = encode(chunk, self.item_index, self.config["step_days"])
                obs = None
                if observed is not None:
                    obs = torch.zeros_like(mask)
                    for b, n in enumerate(rows):
                        obs[b, :len(observed[n])] = torch.as_tensor(observed[n])
                if online_traits:
                    with torch.enable_grad():
                        probs = online_probs(self, it, dt, y, mask, None if obs is None else obs.bool())
                else:
                    traits = self._linked(self.params["trait_loc"]).expand(len(chunk), 5)
                    probs, _ = adf.run(fp, traits, it, dt, y, obs, lengths=[len(s) for s in chunk])
                for b, (n, s) in enumerate(zip(rows, chunk)):
                    out[n] = probs[b, :len(s)].numpy().astype(np.float64)
        return out

    # ---- persistence ------------------------------------------------------------------------------
    def save(self, path) -> None:
        """Versioned checkpoint: weights, config and the data vocabulary."""
        torch.save({"version": CHECKPOINT_VERSION, "params": self.params, "kcs": self.kcs, "items": self.items,
                    "item_kcs": self.item_kcs, "config": self.config, "declared": self.declared,
                    "learner_traits": self.learner_traits}, Path(path))

    @classmethod
    def load(cls, path) -> Tracer:
        ckpt = torch.load(Path(path), weights_only=False)
        if ckpt.get("version") not in (1, CHECKPOINT_VERSION):
            raise ValueError(f"{path}: checkpoint version {ckpt.get('version')!r}, expected 1 or {CHECKPOINT_VERSION}")
        if ckpt["version"] == 1:  # fitted with the edges read by the rule of its day
            ckpt["config"] = {**ckpt["config"], "prerequisite_weights": "shared"}
        return cls(ckpt["params"], ckpt["kcs"], ckpt["items"], ckpt["item_kcs"], ckpt["config"], ckpt["declared"],
                   ckpt["learner_traits"])


# Forgetting rate used by the "--ablate forgetting" variant: knowledge no longer reverts in practice.
NO_FORGETTING = 1e-6
