"""simpleKT (Liu et al., ICLR 2023): a question-aware attention baseline, written from the paper.

A question is its KCs' embedding moved along a per-KC variation vector by the item's own scalar
difficulty (the Rasch embedding of AKT): ``x = mean(c_k) + mu_item * mean(d_k)`` over the item's
KCs. An answer adds a response embedding: ``y = x + e_correct``. A block of ordinary scaled
dot-product attention reads, for the answer at step t, the questions before t as keys and the
answers before t as values, with the question at t as the query (a learned start token stands for
"no history", so the first answer is predicted too); sinusoidal positions give order. With
``blocks`` > 1 each further block takes the previous block's states as queries and keys (as the
paper's stack does), the answers staying the values; a state at step j has read only answers before
j, so the keys stay in the past. The output reads the last state beside the question:
``p = sigmoid(MLP([h_t, x_t]))``.

Training uses windows of at most ``window`` answers, as DKT here; prediction slides a window of the
same length with half-window steps, so every answer after the first window sees at least half a
window of history. Items or KCs unseen in training get a zero embedding and zero difficulty.
Unrevealed (``observed`` False) answers are fed back as the model's own probability, one step at a
time. Early stopping on a validation split of the windows. The defaults (128 dimensions, dropout 0.1)
were chosen on ASSIST2009's fold 2 among three settings (docs/benchmarks.md); fold 1 is the one reported.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from ..data import Log, Sequence
from .training import split_windows, train_early_stopping


def _positions(length: int, dim: int) -> torch.Tensor:
    position = torch.arange(length, dtype=torch.float32)[:, None]
    rate = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32) * (-math.log(10000.0) / dim))
    table = torch.zeros(length, dim)
    table[:, 0::2], table[:, 1::2] = torch.sin(position * rate), torch.cos(position * rate)
    return table


class _Block(nn.Module):
    """Causal attention of queries over (start token, earlier keys) with values (start, earlier
    answers), then a residual feed-forward layer."""

    def __init__(self, dim: int, heads: int, dropout: float):
        super().__init__()
        self.start_key, self.start_value = nn.Parameter(torch.zeros(dim)), nn.Parameter(torch.zeros(dim))
        self.attention = nn.MultiheadAttention(dim, heads, dropout=dropout, batch_first=True)
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.ffn = nn.Sequential(nn.Linear(dim, 2 * dim), nn.ReLU(), nn.Dropout(dropout), nn.Linear(2 * dim, dim))
        self.drop = nn.Dropout(dropout)

    def forward(self, query, key, value):
        batch, length, _ = query.shape
        keys = torch.cat([self.start_key.expand(batch, 1, -1), key[:, :-1]], 1)
        values = torch.cat([self.start_value.expand(batch, 1, -1), value[:, :-1]], 1)
        # Key j is the start token (j = 0) or the answer j - 1: the query at t sees keys 0..t, the past only.
        future = torch.triu(torch.ones(length, length, dtype=torch.bool, device=query.device), diagonal=1)
        attended, _ = self.attention(query, keys, values, attn_mask=future, need_weights=False)
        h = self.norm1(query + self.drop(attended))
        return self.norm2(h + self.drop(self.ffn(h)))


class _Net(nn.Module):
    def __init__(self, n_items: int, n_kcs: int, dim: int, heads: int, dropout: float, window: int, blocks: int):
        super().__init__()
        # Index 0 is "unknown": a zero vector and zero difficulty that training never moves.
        self.kc = nn.Embedding(n_kcs + 1, dim, padding_idx=0)
        self.variation = nn.Embedding(n_kcs + 1, dim, padding_idx=0)
        self.difficulty = nn.Embedding(n_items + 1, 1, padding_idx=0)
        nn.init.zeros_(self.difficulty.weight)
        self.response = nn.Embedding(2, dim)
        self.register_buffer("position", _positions(window, dim), persistent=False)
        self.blocks = nn.ModuleList(_Block(dim, heads, dropout) for _ in range(blocks))
        self.out = nn.Sequential(nn.Linear(2 * dim, dim), nn.ReLU(), nn.Dropout(dropout), nn.Linear(dim, 1))

    def questions(self, item, kcs):
        """item [B, T], kcs [B, T, M] (0-padded) -> x [B, T, dim]."""
        count = (kcs > 0).sum(-1, keepdim=True).clamp_min(1)
        concept = self.kc(kcs).sum(-2) / count
        variation = self.variation(kcs).sum(-2) / count
        return concept + self.difficulty(item) * variation

    def forward(self, item, kcs, correct):
        """Logit of every answer given the answers before it; ``correct`` may be soft (a probability)."""
        x = self.questions(item, kcs)
        y = x + correct[..., None] * self.response.weight[1] + (1 - correct[..., None]) * self.response.weight[0]
        position = self.position[:item.shape[1]]
        h, answers = x + position, y + position
        for block in self.blocks:
            h = block(h, h, answers)
        return self.out(torch.cat([h, x], -1)).squeeze(-1)


def _window_starts(length: int, window: int):
    """(start, first answer kept) of the windows covering a sequence: half-window steps, each window
    keeping the answers the previous one did not reach."""
    start, kept_to = 0, min(length, window)
    yield 0, 0
    while kept_to < length:
        start = min(start + window // 2, length - window)
        yield start, kept_to
        kept_to = start + window


class SimpleKT:
    def __init__(self, dim: int = 128, heads: int = 4, dropout: float = 0.1, lr: float = 1e-3, epochs: int = 30,
                 batch: int = 64, window: int = 200, patience: int = 3, l2_difficulty: float = 1e-5, seed: int = 0,
                 blocks: int = 1):
        self.dim, self.heads, self.dropout, self.lr, self.epochs, self.blocks = dim, heads, dropout, lr, epochs, blocks
        self.batch, self.window, self.patience, self.l2, self.seed = batch, window, patience, l2_difficulty, seed

    def _encode(self, seqs: list[Sequence]):
        """item [B, T], kcs [B, T, M], correct [B, T] float, mask [B, T]; unknown ids are 0."""
        length = max(len(s) for s in seqs)
        width = max((len(k) for s in seqs for k in s.kcs), default=1)
        item = torch.zeros(len(seqs), length, dtype=torch.long)
        kcs = torch.zeros(len(seqs), length, max(width, 1), dtype=torch.long)
        correct = torch.zeros(len(seqs), length)
        mask = torch.zeros(len(seqs), length, dtype=torch.bool)
        for b, s in enumerate(seqs):
            item[b, :len(s)] = torch.as_tensor([self.item_index.get(i, 0) for i in s.items], dtype=torch.long)
            for t, names in enumerate(s.kcs):
                kcs[b, t, :len(names)] = torch.as_tensor([self.kc_index.get(k, 0) for k in names], dtype=torch.long)
            correct[b, :len(s)] = torch.as_tensor(s.correct, dtype=torch.float32)
            mask[b, :len(s)] = True
        return item, kcs, correct, mask

    def fit(self, log: Log) -> SimpleKT:
        torch.manual_seed(self.seed)
        rng = np.random.default_rng(self.seed)
        self.item_index = {item: n + 1 for n, item in enumerate(log.items)}
        self.kc_index = {kc: n + 1 for n, kc in enumerate(log.kcs)}
        self.net = _Net(len(self.item_index), len(self.kc_index), self.dim, self.heads, self.dropout, self.window,
                        self.blocks)
        train, val = split_windows(log, self.window, rng)
        batches = [self._encode(train[i:i + self.batch]) for i in range(0, len(train), self.batch)]
        val_batches = [self._encode(val[i:i + 256]) for i in range(0, len(val), 256)]
        loss_fn = nn.BCEWithLogitsLoss(reduction="sum")

        def batch_loss(batch):
            item, kcs, correct, mask = batch
            return loss_fn(self.net(item, kcs, correct)[mask], correct[mask]), mask.sum()

        train_early_stopping(self.net, batches, val_batches, batch_loss, rng, lr=self.lr, epochs=self.epochs,
                             patience=self.patience, penalty=lambda: self.l2 * self.net.difficulty.weight.pow(2).sum())
        return self

    def predict(self, seqs: list[Sequence], observed=None) -> list[np.ndarray]:
        out = [np.zeros(len(s)) for s in seqs]
        pieces = [(n, start, kept) for n, s in enumerate(seqs) for start, kept in _window_starts(len(s), self.window)]
        with torch.no_grad():
            for first in range(0, len(pieces), 256):
                chunk = pieces[first:first + 256]
                windows = [self._cut(seqs[n], start) for n, start, _ in chunk]
                item, kcs, correct, mask = self._encode(windows)
                if observed is None:
                    p = torch.sigmoid(self.net(item, kcs, correct))
                else:
                    seen = torch.zeros_like(correct, dtype=torch.bool)
                    for b, (n, start, _) in enumerate(chunk):
                        part = np.asarray(observed[n][start:start + self.window], dtype=bool)
                        seen[b, :len(part)] = torch.as_tensor(part)
                    p = self._rollout(item, kcs, correct, seen, mask)
                for b, (n, start, kept) in enumerate(chunk):
                    end = start + len(windows[b])
                    out[n][kept:end] = p[b, kept - start:end - start].numpy()
        return out

    def _cut(self, s: Sequence, start: int) -> Sequence:
        end = start + self.window
        return Sequence(s.learner, s.fold, s.items[start:end], s.kcs[start:end], s.correct[start:end],
                        s.times[start:end])

    def _rollout(self, item, kcs, correct, seen, mask):
        """Unrevealed answers, in order, become the model's probability: the prediction at t reads only
        answers before t, so each is final once the steps before it are filled in."""
        soft = torch.where(seen, correct, torch.zeros_like(correct))
        hidden = ~seen & mask
        p = torch.sigmoid(self.net(item, kcs, soft))
        for t in sorted({int(t) for t in torch.nonzero(hidden)[:, 1]}):
            hidden_now = hidden[:, t]
            soft[hidden_now, t] = p[hidden_now, t]
            p = torch.sigmoid(self.net(item, kcs, soft))
        return p
