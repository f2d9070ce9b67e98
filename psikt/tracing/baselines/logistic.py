"""Item mean, PFA and IRT+PFA: counting models fitted as logistic regressions (scikit-learn)."""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

from ..data import Log, Sequence


class ItemMean:
    """P(correct) = the item's training accuracy, shrunk towards its KCs' and the overall rate."""

    prior_weight = 5.0

    def fit(self, log: Log) -> ItemMean:
        hits, counts, kc_hits, kc_counts = {}, {}, {}, {}
        for s in log.sequences:
            for item, kcs, y in zip(s.items, s.kcs, s.correct):
                hits[item] = hits.get(item, 0) + y
                counts[item] = counts.get(item, 0) + 1
                for kc in kcs:
                    kc_hits[kc] = kc_hits.get(kc, 0) + y
                    kc_counts[kc] = kc_counts.get(kc, 0) + 1
        self.overall = sum(hits.values()) / max(sum(counts.values()), 1)
        w = self.prior_weight
        self.kc_rate = {k: (kc_hits[k] + w * self.overall) / (kc_counts[k] + w) for k in kc_counts}
        self.hits, self.counts = hits, counts
        return self

    def _rate(self, item, kcs) -> float:
        known = [self.kc_rate[k] for k in kcs if k in self.kc_rate]
        prior = float(np.mean(known)) if known else self.overall
        return (self.hits.get(item, 0) + self.prior_weight * prior) / (self.counts.get(item, 0) + self.prior_weight)

    def predict(self, seqs: list[Sequence], observed=None) -> list[np.ndarray]:
        return [np.array([self._rate(i, k) for i, k in zip(s.items, s.kcs)]) for s in seqs]


class PFA:
    """Performance factors analysis: logit = sum over the item's KCs of
    beta_k + gamma_k * log(1 + successes_k) + rho_k * log(1 + failures_k), counts from the learner's
    earlier answers (log counts: they fit these logs better than raw counts, see docs/benchmarks.md)."""

    use_items = False
    C = 1.0

    def fit(self, log: Log) -> PFA:
        self.kc_index = {k: i for i, k in enumerate(log.kcs)}
        self.item_index = {it: i for i, it in enumerate(log.items)}
        X, y = self._features(log.sequences, None)
        self.model = LogisticRegression(C=self.C, max_iter=1000, solver="lbfgs").fit(X, y)
        return self

    def _features(self, seqs, observed):
        K, I = len(self.kc_index), len(self.item_index)
        width = 3 * K + (I if self.use_items else 0)
        rows, cols, vals, ys = [], [], [], []
        r = 0
        for n, s in enumerate(seqs):
            succ, fail = {}, {}
            seen = observed[n] if observed is not None else np.ones(len(s), dtype=bool)
            for item, kcs, y, obs in zip(s.items, s.kcs, s.correct, seen):
                for kc in kcs:
                    k = self.kc_index.get(kc)
                    if k is None:
                        continue
                    rows += [r, r, r]
                    cols += [k, K + k, 2 * K + k]
                    vals += [1.0, np.log1p(succ.get(k, 0)), np.log1p(fail.get(k, 0))]
                    if obs:
                        (succ if y else fail)[k] = (succ if y else fail).get(k, 0) + 1
                if self.use_items and item in self.item_index:
                    rows.append(r)
                    cols.append(3 * K + self.item_index[item])
                    vals.append(1.0)
                ys.append(y)
                r += 1
        return sp.csr_matrix((vals, (rows, cols)), shape=(r, width)), np.array(ys)

    def predict(self, seqs: list[Sequence], observed=None) -> list[np.ndarray]:
        X, _ = self._features(seqs, observed)
        p = self.model.predict_proba(X)[:, 1]
        out, start = [], 0
        for s in seqs:
            out.append(p[start:start + len(s)])
            start += len(s)
        return out


class IRTPFA(PFA):
    """IRT + PFA: PFA plus a difficulty per item (one-hot); unseen items get none (difficulty 0)."""

    use_items = True
