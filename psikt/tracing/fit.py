"""Fitting PSI-KT by stochastic variational inference in Pyro: the train/validation split, the
starting values, and epochs of minibatch SVI with early stopping. The model and guide are in svi.py.
"""
from __future__ import annotations

import time

import numpy as np
import pyro
import torch
from pyro.infer import SVI, Trace_ELBO
from pyro.optim import ClippedAdam
from tqdm import tqdm

from .batching import encode, length_batches
from .data import Log
from .model import DEFAULT_TRAIT_LOC, EMBED_DIM, STATIC_TRAITS, item_matrices
from .prior import initial_globals
from .svi import Setup, guide, model
from .tracer import Tracer

TRAIT_PARAMS = ("q_offset", "q_scale_ratio", "trait_loc", "trait_scale")
GRAPH_PARAMS = ("U", "W", "edge_bias")


def fit(log: Log, *, prerequisites: list[tuple[str, str]] = (), epochs: int = 30, lr: float = 0.03,
        batch_answers: int = 16384, max_batch: int = 512, val_fraction: float = 0.1, patience: int = 2,
        step_days: float = 1 / 24, declared_boost: float = 3.0, ablate: tuple[str, ...] = (),
        device: str = "cpu", seed: int = 0, progress: bool = True, checkpoint=None,
        trait_start: tuple[float, ...] = DEFAULT_TRAIT_LOC, trait_lr: float | None = None,
        graph_lr: float | None = None, compiled: bool = False, trait_tol: float | None = None,
        trait_window: int = 5) -> Tracer:
    """Fit a Tracer to ``log``.

    ``prerequisites``: author-declared (prerequisite, kc) pairs, a prior that raises those edges.
    Stops after ``patience`` epochs without improvement of the per-answer log-likelihood on a
    ``val_fraction`` split of the learners (scored with population traits, as for unseen learners)
    and returns the best epoch's model; with ``checkpoint`` that model is also saved there each time
    it improves. ``ablate=("forgetting",)`` fixes the forgetting rate at ~0; ``("item_difficulty",)``
    fixes every item's difficulty at 0. ``trait_start``: the raw population traits the fit starts
    from (the level mu's entry is replaced by the log's overall logit). Pyro's param store is fitted in a scope of its own: the
    caller's params are neither seen nor changed. ``compiled``: the filter's steps are compiled
    (``filter.run``): tens of seconds once per process, then several times faster per step, so worth
    it for logs of tens of thousands of answers, not for small ones (tests, a class's refit).
    ``trait_lr``, ``graph_lr``: learning rates of the traits' and of the graph's parameters
    (``TRAIT_PARAMS``, ``GRAPH_PARAMS``) where they should differ from ``lr``.
    ``trait_tol``: a convergence test for the population traits (issue 21 item 1). An epoch counts
    only once the population traits (raw ``trait_loc`` and ``trait_scale``) have settled: their mean
    over the last ``trait_window`` epochs differs from their mean over the ``trait_window`` epochs
    before by less than ``trait_tol`` (raw units, every entry); the fit returns the best such epoch and stops ``patience`` epochs after it, at ``epochs`` at the latest (then the best
    epoch of all, with ``config["traits_settled"]`` False). Without it the validation score alone
    decides, which can stop the fit while the traits are still moving.
    """
    pyro.set_rng_seed(seed)
    rng = np.random.default_rng(seed)
    dev = torch.device(device)
    kc_index = {k: i for i, k in enumerate(log.kcs)}
    item_index = {it: i for i, it in enumerate(log.items)}
    K, I = len(log.kcs), len(log.items)
    q, h = item_matrices([[kc_index[k] for k in log.item_kcs[it]] for it in log.items], K)
    q, h = q.to(dev), h.to(dev)
    declared = torch.zeros(K, K, dtype=torch.bool)
    for pre, kc in prerequisites:
        if pre in kc_index and kc in kc_index:
            declared[kc_index[pre], kc_index[kc]] = True
    declared = declared.to(dev)
    config = {"step_days": step_days, "declared_boost": declared_boost, "ablate": list(ablate), "embed_dim": EMBED_DIM}

    seqs = list(log.sequences)
    perm = rng.permutation(len(seqs))
    n_val = round(val_fraction * len(seqs)) if len(seqs) > 10 else 0
    val = [seqs[i] for i in perm[:n_val]]
    train = [seqs[i] for i in perm[n_val:]]
    N = len(train)

    # Start item difficulties at their shrunk empirical logits and mu at the overall level, so the
    # first epochs learn dynamics rather than marginal rates.
    ys = np.concatenate([s.correct for s in train])
    p0 = float(np.clip(ys.mean(), 0.05, 0.95))
    hits, counts = np.zeros(I), np.zeros(I)
    for s in train:
        idx = [item_index[i] for i in s.items]
        np.add.at(hits, idx, s.correct)
        np.add.at(counts, idx, 1)
    p_item = (hits + 5 * p0) / (counts + 10)
    logit = lambda p: np.log(p / (1 - p))
    b_init = torch.tensor(logit(p0) - logit(p_item), dtype=torch.float32, device=dev)
    if "item_difficulty" in ablate:  # every item as hard as its KCs' level: a per-KC model, as BKT is
        b_init = torch.zeros_like(b_init)
    trait_init = torch.tensor(trait_start, dtype=torch.float32, device=dev)
    trait_init[1] = logit(p0)

    setup = Setup(n_learners=N, start=initial_globals(K, b_init, trait_init, seed=seed, device=dev), item_q=q,
                  item_h=h, declared=declared, declared_boost=declared_boost, ablate=tuple(ablate),
                  compiled=compiled)

    def optim_args(name: str) -> dict:
        rate = (trait_lr if trait_lr is not None and name in TRAIT_PARAMS
                else graph_lr if graph_lr is not None and name in GRAPH_PARAMS else lr)
        return {"lr": rate, "clip_norm": 10.0, "lrd": 0.995}

    svi = SVI(model, guide, ClippedAdam(optim_args), Trace_ELBO())
    lengths = [len(s) for s in train]

    static = torch.tensor(STATIC_TRAITS, device=dev)

    def snapshot() -> Tracer:
        store = pyro.get_param_store()
        start = setup.start
        params = {k: v.detach() for k, v in {**start, **{k: store[k] for k in start if k in store}}.items()}
        raws = []
        if "q_offset" in store:
            loc = params["trait_loc"]
            raws = loc.expand(N, 5).index_copy(1, static, loc[static] + store["q_offset"].detach()).cpu().tolist()
        return Tracer(params, log.kcs, log.items, log.item_kcs, config, declared,
                      {s.learner: raw for s, raw in zip(train, raws)})

    def val_loglik(tracer: Tracer) -> float:
        if not val:
            return -float("inf")
        probs = tracer.filter_sequences(val)
        y_all = np.concatenate([s.correct for s in val])
        p = np.clip(np.concatenate(probs), 1e-7, 1 - 1e-7)
        return float(np.mean(y_all * np.log(p) + (1 - y_all) * np.log(1 - p)))

    population = []  # per epoch: the raw population traits, trait_loc and trait_scale

    def movement() -> float:
        """How far the population traits moved between the last ``trait_window`` epochs and the
        ``trait_window`` before (largest change of their means: the means, because minibatch noise
        moves the traits from one epoch to the next even once they have settled)."""
        if len(population) < 2 * trait_window:
            return float("inf")
        last = torch.stack(population[-2 * trait_window:])
        return float((last[trait_window:].mean(0) - last[:trait_window].mean(0)).abs().max())

    best, best_ll, best_settled, bad = None, -float("inf"), False, 0
    started = time.perf_counter()
    with pyro.get_param_store().scope():
        for epoch in range(epochs):
            batches = length_batches(lengths, batch_answers, max_batch, rng)
            loss = 0.0
            bar = tqdm(batches, desc=f"psikt epoch {epoch + 1}", disable=not progress, leave=False)
            for b in bar:
                items, dt, y, mask = encode([train[i] for i in b], item_index, step_days, dev)
                loss += svi.step(setup, torch.as_tensor(b, device=dev), items, dt, y, mask, len(batches))
            current = snapshot()
            ll = val_loglik(current)
            population.append(torch.cat([current.params["trait_loc"], current.params["trait_scale"]]).cpu())
            ok = trait_tol is None or movement() < trait_tol
            if progress:
                tqdm.write(f"epoch {epoch + 1}: loss/answer {loss / len(batches) / max(sum(lengths), 1):.4f} "
                           f"val loglik/answer {ll:.4f} population moved {movement():.3f} "
                           f"({time.perf_counter() - started:.0f}s)")
            # A settled epoch beats any unsettled one; among equals the validation score decides.
            if best is None or (ok and not best_settled) or (ok == best_settled and ll > best_ll):
                best, best_ll, best_settled, bad = current, ll, ok, 0
                if checkpoint is not None:
                    best.save(checkpoint)
            elif ok:
                bad += 1
                if bad >= patience:
                    break
    best.config["fit_seconds"] = time.perf_counter() - started
    best.config["epochs_run"] = epoch + 1
    best.config["val_loglik"] = best_ll
    best.config["traits_settled"] = best_settled
    best.config["population_moved"] = movement()
    # Per epoch, raw trait_loc then trait_scale: which population traits still moved, and how.
    best.config["population_path"] = [[round(v, 4) for v in p.tolist()] for p in population]
    return best
