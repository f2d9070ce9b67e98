"""Deep knowledge tracing (Piech et al. 2015): an LSTM over (KC, correct) inputs with per-KC outputs.

Input at step t: the multi-hot of the answered item's KCs, split by correctness (2K). Output at
step t: K logits for the next answer; an item is predicted by the mean logit over its KCs. Training
uses windows of at most ``window`` answers; prediction runs over whole sequences. Early stopping on
a validation split of the learners. Blind (unobserved) steps feed the model its own prediction as a
soft correctness.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..data import Log, Sequence
from .training import split_windows, train_early_stopping


class _Net(nn.Module):
    def __init__(self, n_kcs: int, hidden: int, dropout: float):
        super().__init__()
        self.lstm = nn.LSTM(2 * n_kcs, hidden, batch_first=True)
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(hidden, n_kcs)

    def forward(self, x, state=None):
        h, state = self.lstm(x, state)
        return self.out(self.drop(h)), state


class DKT:
    def __init__(self, hidden: int = 200, dropout: float = 0.2, lr: float = 1e-3, epochs: int = 40,
                 batch: int = 64, window: int = 200, patience: int = 3, seed: int = 0):
        self.hidden, self.dropout, self.lr, self.epochs = hidden, dropout, lr, epochs
        self.batch, self.window, self.patience, self.seed = batch, window, patience, seed

    def _encode(self, seqs: list[Sequence]):
        """kc multi-hot q [B, T, K], y [B, T], mask [B, T] (unknown KCs are dropped)."""
        K = len(self.kc_index)
        T = max(len(s) for s in seqs)
        q = torch.zeros(len(seqs), T, K)
        y = torch.zeros(len(seqs), T)
        mask = torch.zeros(len(seqs), T, dtype=torch.bool)
        for b, s in enumerate(seqs):
            for t, kcs in enumerate(s.kcs):
                for kc in kcs:
                    if kc in self.kc_index:
                        q[b, t, self.kc_index[kc]] = 1.0
            y[b, :len(s)] = torch.as_tensor(s.correct, dtype=torch.float32)
            mask[b, :len(s)] = True
        return q, y, mask

    def _logits(self, q, y):
        """Logit of every answer given the answers before it (teacher forcing)."""
        x = torch.cat([q * y[..., None], q * (1 - y[..., None])], -1)
        out, _ = self.net(x[:, :-1])
        kc_logit = (out * q[:, 1:]).sum(-1) / q[:, 1:].sum(-1).clamp_min(1)
        # The first answer has no history: the output layer's bias alone.
        first = (self.net.out.bias * q[:, :1]).sum(-1) / q[:, :1].sum(-1).clamp_min(1)
        return torch.cat([first, kc_logit], 1)

    def fit(self, log: Log) -> DKT:
        torch.manual_seed(self.seed)
        rng = np.random.default_rng(self.seed)
        self.kc_index = {k: i for i, k in enumerate(log.kcs)}
        self.net = _Net(len(self.kc_index), self.hidden, self.dropout)
        train, val = split_windows(log, self.window, rng, min_answers=2)  # one answer predicts nothing
        batches = [self._encode(train[i:i + self.batch]) for i in range(0, len(train), self.batch)]
        val_batches = [self._encode(val[i:i + 256]) for i in range(0, len(val), 256)]
        loss_fn = nn.BCEWithLogitsLoss(reduction="sum")

        def batch_loss(batch):
            q, y, mask = batch
            return loss_fn(self._logits(q, y)[mask], y[mask]), mask.sum()

        train_early_stopping(self.net, batches, val_batches, batch_loss, rng,
                             lr=self.lr, epochs=self.epochs, patience=self.patience)
        return self

    def predict(self, seqs: list[Sequence], observed=None) -> list[np.ndarray]:
        out = []
        with torch.no_grad():
            for start in range(0, len(seqs), 256):
                chunk = seqs[start:start + 256]
                q, y, _ = self._encode(chunk)
                if observed is None:
                    p = torch.sigmoid(self._logits(q, y))
                else:
                    p = self._rollout(q, y, observed[start:start + 256])
                out.extend(p[b, :len(s)].numpy().astype(np.float64) for b, s in enumerate(chunk))
        return out

    def _rollout(self, q, y, observed):
        """Step by step; an unrevealed answer is replaced by the model's own probability."""
        seen = torch.zeros_like(y, dtype=torch.bool)
        for b, o in enumerate(observed):
            seen[b, :len(o)] = torch.as_tensor(o)
        state, probs = None, []
        logit = (self.net.out.bias * q[:, 0]).sum(-1) / q[:, 0].sum(-1).clamp_min(1)
        for t in range(q.shape[1]):
            p = torch.sigmoid(logit)
            probs.append(p)
            yt = torch.where(seen[:, t], y[:, t], p)[:, None]
            x = torch.cat([q[:, t] * yt, q[:, t] * (1 - yt)], -1)[:, None]
            h, state = self.net(x, state)
            if t + 1 < q.shape[1]:
                logit = (h[:, 0] * q[:, t + 1]).sum(-1) / q[:, t + 1].sum(-1).clamp_min(1)
        return torch.stack(probs, 1)
