"""What the deep baselines (DKT, simpleKT) share: windows of a log split into training and validation,
and Adam with gradient clipping and early stopping on the validation loss. Kept in one place so that
the two are trained alike and a comparison between them is about the models."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from ..data import Log, Sequence


def split_windows(log: Log, window: int, rng: np.random.Generator, min_answers: int = 1):
    """Every learner's answers cut into windows of at most ``window`` (shorter than ``min_answers``
    dropped), a tenth of them (at least one) held out for validation. Training windows come sorted by
    length, so that batches of neighbours waste little padding."""
    windows = [Sequence(s.learner, s.fold, s.items[a:a + window], s.kcs[a:a + window],
                        s.correct[a:a + window], s.times[a:a + window])
               for s in log.sequences for a in range(0, len(s), window) if len(s) - a >= min_answers]
    order = rng.permutation(len(windows))
    n_val = max(1, len(windows) // 10)
    validation = [windows[i] for i in order[:n_val]]
    training = sorted((windows[i] for i in order[n_val:]), key=len)
    return training, validation


def train_early_stopping(net: nn.Module, batches: list, validation: list,
                         batch_loss: Callable[[object], tuple[torch.Tensor, torch.Tensor]],
                         rng: np.random.Generator, *, lr: float, epochs: int, patience: int,
                         penalty: Callable[[], torch.Tensor] | None = None) -> None:
    """Adam on the mean loss per answer of each batch (plus ``penalty()``), gradients clipped at norm 5;
    after each epoch the summed validation loss, and the weights of the best epoch kept once ``patience``
    epochs in a row did not improve on it. ``batch_loss(batch)`` gives (summed loss, answers counted)."""
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    best, best_loss, bad = None, float("inf"), 0
    for _ in range(epochs):
        net.train()
        for b in rng.permutation(len(batches)):
            opt.zero_grad()
            total, count = batch_loss(batches[b])
            loss = total / count
            if penalty is not None:
                loss = loss + penalty()
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 5.0)
            opt.step()
        net.eval()
        with torch.no_grad():
            val_loss = sum(float(batch_loss(batch)[0]) for batch in validation)
        if val_loss < best_loss:
            best, best_loss, bad = {k: v.clone() for k, v in net.state_dict().items()}, val_loss, 0
        else:
            bad += 1
            if bad >= patience:
                break
    net.load_state_dict(best)
    net.eval()
