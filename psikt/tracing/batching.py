"""Turning sequences into padded [B, T] tensors, and grouping learners of similar length."""
from __future__ import annotations

import numpy as np
import torch

from .data import SECONDS_PER_DAY, Sequence


def elapsed_days(times: np.ndarray, step_days: float) -> np.ndarray:
    """Days since the previous answer (0 before the first); ``step_days`` per answer without a clock."""
    dt = np.diff(times, prepend=times[:1]) / SECONDS_PER_DAY if len(times) else times
    dt = np.where(np.isnan(dt), step_days, dt)
    if len(dt):
        dt[0] = 0.0
    return dt


def encode(seqs: list[Sequence], item_index: dict[str, int], step_days: float, device="cpu"):
    """Padded tensors: items, dt (days), y, mask, all [B, T]; padding repeats item 0 and is masked."""
    T = max(len(s) for s in seqs)
    B = len(seqs)
    items = np.zeros((B, T), dtype=np.int64)
    dt = np.zeros((B, T), dtype=np.float32)
    y = np.zeros((B, T), dtype=np.float32)
    mask = np.zeros((B, T), dtype=bool)
    for b, s in enumerate(seqs):
        n = len(s)
        items[b, :n] = [item_index[i] for i in s.items]
        dt[b, :n] = elapsed_days(s.times, step_days)
        y[b, :n] = s.correct
        mask[b, :n] = True
    t = lambda a: torch.as_tensor(a, device=device)
    return t(items), t(dt), t(y), t(mask)


def length_batches(lengths, max_answers: int, max_learners: int, rng=None) -> list[np.ndarray]:
    """Indices grouped by similar length so that padding wastes little; each batch holds at most
    ``max_answers`` padded answers. Shuffled between and within equal-length runs when ``rng``."""
    lengths = np.asarray(lengths)
    jitter = rng.random(len(lengths)) if rng is not None else np.zeros(len(lengths))
    order = np.lexsort((jitter, lengths))
    batches, start = [], 0
    while start < len(order):
        end = start + 1
        while end < len(order) and end - start < max_learners and (end - start + 1) * lengths[order[end]] <= max_answers:
            end += 1
        batches.append(order[start:end])
        start = end
    if rng is not None:
        rng.shuffle(batches)
    return batches
