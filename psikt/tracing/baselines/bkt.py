"""Bayesian knowledge tracing: a two-state HMM per KC (no forgetting), fitted by EM.

Every (learner, KC) pair is one chain: the learner's answers on items tagged with that KC. All
chains are processed at once as a padded [C, T] array (padding has emission 1, so it is inert); an
item with several KCs is predicted as the mean of its KCs' predictions.
"""
from __future__ import annotations

import numpy as np

from ..data import Log, Sequence

# Guess and slip above these make "known" and "unknown" trade places (the identifiability problem).
MAX_GUESS, MAX_SLIP = 0.4, 0.4


def _chains(seqs: list[Sequence], kc_index: dict[str, int], observed):
    """Padded chains: kc [C], y [C, T], seen [C, T] (answer revealed), mask [C, T], answer id [C, T]."""
    kcs, ys, seen, ids = [], [], [], []
    offset = 0
    for n, s in enumerate(seqs):
        obs = observed[n] if observed is not None else np.ones(len(s), dtype=bool)
        per_kc: dict[int, list[int]] = {}
        for pos, item_kcs in enumerate(s.kcs):
            for kc in item_kcs:
                per_kc.setdefault(kc_index.get(kc, -1), []).append(pos)
        for k, positions in per_kc.items():
            kcs.append(k)
            ys.append(s.correct[positions])
            seen.append(obs[positions])
            ids.append(np.array(positions) + offset)
        offset += len(s)
    C, T = len(kcs), max(len(y) for y in ys)
    Y = np.zeros((C, T))
    S = np.zeros((C, T), dtype=bool)
    M = np.zeros((C, T), dtype=bool)
    ID = np.zeros((C, T), dtype=np.int64)
    for c, (y, o, i) in enumerate(zip(ys, seen, ids)):
        Y[c, :len(y)], S[c, :len(y)], M[c, :len(y)], ID[c, :len(y)] = y, o, True, i
    return np.array(kcs), Y, S, M, ID, offset


class BKT:
    def __init__(self, iterations: int = 30):
        self.iterations = iterations

    def _params(self, kc):
        """Per-chain parameters; KCs unseen in training (-1) get the mean over KCs."""
        P = np.vstack([self.params, self.params.mean(0)])
        return P[kc].T  # init, learn, guess, slip

    def _forward(self, kc, Y, S, M):
        init, learn, guess, slip = self._params(kc)
        C, T = Y.shape
        prior = np.empty((C, T))
        filt = np.empty((C, T))
        p = init.copy()
        for t in range(T):
            prior[:, t] = p
            y = Y[:, t]
            live = S[:, t] & M[:, t]
            e1 = np.where(live, np.where(y == 1, 1 - slip, slip), 1.0)
            e0 = np.where(live, np.where(y == 1, guess, 1 - guess), 1.0)
            f = p * e1 / (p * e1 + (1 - p) * e0)
            filt[:, t] = f
            p = f + (1 - f) * learn
        return prior, filt

    def fit(self, log: Log) -> BKT:
        self.kc_index = {k: i for i, k in enumerate(log.kcs)}
        K = len(log.kcs)
        self.params = np.tile([0.4, 0.15, 0.2, 0.1], (K, 1))
        kc, Y, S, M, _, _ = _chains(log.sequences, self.kc_index, None)
        C, T = Y.shape
        for _ in range(self.iterations):
            learn = self._params(kc)[1]
            prior, filt = self._forward(kc, Y, S, M)
            # Backward pass for the smoothed P(known at t) and the expected unknown->known moves.
            smooth = np.empty((C, T))
            smooth[:, -1] = filt[:, -1]
            moved = np.zeros((C, T))
            for t in range(T - 2, -1, -1):
                nxt = smooth[:, t + 1]
                pred = prior[:, t + 1]
                # P(unknown at t, known at t+1 | all) = P(unknown at t | <=t) * learn * P(known t+1 | all) / P(known t+1 | <=t)
                moved[:, t] = (1 - filt[:, t]) * learn * nxt / np.maximum(pred, 1e-12)
                # P(known at t | all): known stays known; unknown at t reaches known only by learning.
                smooth[:, t] = filt[:, t] * nxt / np.maximum(pred, 1e-12)
            valid = M
            step_valid = M[:, 1:]
            w_known = smooth * valid
            w_unknown = (1 - smooth) * valid
            count = lambda x: np.bincount(kc, weights=x, minlength=K)
            first = count(smooth[:, 0])
            n_chains = np.bincount(kc, minlength=K)
            unk_before = count(((1 - smooth[:, :-1]) * step_valid).sum(1))
            learned = count((moved[:, :-1] * step_valid).sum(1))
            obs_known = count((w_known * S).sum(1))
            obs_unknown = count((w_unknown * S).sum(1))
            slips = count((w_known * S * (1 - Y)).sum(1))
            guesses = count((w_unknown * S * Y).sum(1))
            has = n_chains > 0
            new = self.params.copy()
            new[has, 0] = first[has] / n_chains[has]
            new[:, 1] = np.where(unk_before > 0, learned / np.maximum(unk_before, 1e-12), new[:, 1])
            new[:, 2] = np.where(obs_unknown > 0, guesses / np.maximum(obs_unknown, 1e-12), new[:, 2])
            new[:, 3] = np.where(obs_known > 0, slips / np.maximum(obs_known, 1e-12), new[:, 3])
            new[:, 2] = np.clip(new[:, 2], 1e-3, MAX_GUESS)
            new[:, 3] = np.clip(new[:, 3], 1e-3, MAX_SLIP)
            new[:, :2] = np.clip(new[:, :2], 1e-3, 1 - 1e-3)
            self.params = new
        return self

    def predict(self, seqs: list[Sequence], observed=None) -> list[np.ndarray]:
        kc, Y, S, M, ID, n = _chains(seqs, self.kc_index, observed)
        _, _, guess, slip = self._params(kc)
        prior, _ = self._forward(kc, Y, S, M)
        p = prior * (1 - slip[:, None]) + (1 - prior) * guess[:, None]
        total = np.bincount(ID[M], weights=p[M], minlength=n)
        count = np.bincount(ID[M], minlength=n)
        flat = total / count
        out, start = [], 0
        for s in seqs:
            out.append(flat[start:start + len(s)])
            start += len(s)
        return out
