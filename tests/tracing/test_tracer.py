"""The public Tracer: online path, persistence, cold start."""
import json

import numpy as np
import pytest

from psikt.tracing import Tracer, simulate


def online_predictions(tracer, seq):
    state = tracer.new_learner()
    out = []
    for item, y, t in zip(seq.items, seq.correct, seq.times):
        t = None if np.isnan(t) else float(t)
        out.append(tracer.predict(state, item, t))
        state = tracer.update(state, item, int(y), t)
    return np.array(out), state


def test_online_path_equals_evaluation_path(simulation, fitted):
    test = [s for s in simulation.log.sequences if s.fold == 1][:5]
    batched = fitted.filter_sequences(test)
    for seq, probs in zip(test, batched):
        online, _ = online_predictions(fitted, seq)
        np.testing.assert_allclose(online, probs, atol=1e-5)


def test_online_path_equals_evaluation_path_with_timestamps(fitted):
    sim = simulate(n_learners=4, n_kcs=6, n_items=24, length=30, timestamps=True, seed=5)
    renamed = [s for s in sim.log.sequences]
    for s in renamed:  # same KC names as the fitted tracer; items are new, so cold-started
        s.items = [f"new-{i}" for i in s.items]
    batched = fitted.filter_sequences(renamed)
    for seq, probs in zip(renamed, batched):
        online, _ = online_predictions(fitted, seq)
        np.testing.assert_allclose(online, probs, atol=1e-5)


def test_state_is_json_of_order_k_and_update_is_pure(simulation, fitted):
    seq = simulation.log.sequences[0]
    state = fitted.new_learner()
    before = json.dumps(state)
    new = fitted.update(state, seq.items[0], 1)
    assert json.dumps(state) == before
    restored = json.loads(json.dumps(new))
    assert len(restored["mean"]) == len(restored["var"]) == len(fitted.kcs)
    assert fitted.predict(restored, seq.items[1]) == fitted.predict(new, seq.items[1])


def test_save_load_round_trip_gives_identical_predictions(simulation, fitted, tmp_path):
    path = tmp_path / "tracer.pt"
    fitted.save(path)
    loaded = Tracer.load(path)
    test = [s for s in simulation.log.sequences if s.fold == 1][:20]
    for a, b in zip(fitted.filter_sequences(test), loaded.filter_sequences(test)):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(fitted.prerequisites().matrix, loaded.prerequisites().matrix)


def test_correct_answers_raise_mastery_and_time_lowers_it(simulation, fitted):
    kc = simulation.kcs[0]
    item = next(i for i in fitted.items if fitted.item_kcs[i] == (kc,))
    state = fitted.new_learner()
    for n in range(5):
        state = fitted.update(state, item, 1, t=60.0 * n)
    practised = fitted.mastery(state)[kc]
    later = fitted.mastery(state, t=60.0 * 4 + 30 * 86400)[kc]
    assert practised.p > fitted.mastery(fitted.new_learner())[kc].p
    assert later.p < practised.p  # forgetting: the belief reverts towards the long-term level
    assert 0 < fitted.predict(state, kc=kc) < 1
    assert set(fitted.traits(state)) == {"alpha", "mu", "mu_sd", "sigma", "gamma", "eta"}


def test_cold_start_kc_inherits_declared_prerequisites(fitted, tmp_path):
    path = tmp_path / "t.pt"
    fitted.save(path)
    tracer = Tracer.load(path)
    pre = tracer.kcs[0]
    tracer.add_kc("brand-new", prerequisites=[pre])
    graph = tracer.prerequisites()
    assert graph.top["brand-new"][0][0] == pre
    state = tracer.new_learner()
    p = tracer.predict(state, "unseen-item", kcs=["brand-new"])
    assert 0 < p < 1
    assert tracer.items[-1] == "unseen-item"


def test_unknown_item_without_kcs_is_a_clear_error(fitted):
    with pytest.raises(KeyError, match="unknown item"):
        fitted.predict(fitted.new_learner(), "never-seen")


def test_trait_estimation_moves_level_towards_performance(simulation, fitted):
    seq = simulation.log.sequences[0]
    state = fitted.new_learner()
    ones = fitted.estimate_traits(state, seq.items[:20], [1] * 20)
    zeros = fitted.estimate_traits(state, seq.items[:20], [0] * 20)
    assert fitted.traits(ones)["mu"] > fitted.traits(zeros)["mu"]
    assert ones["n"] == 20


def test_a_checkpoint_from_before_practice_uncertainty_keeps_its_predictions(fitted):
    """Issue 24 added practice_log_var; a tracer saved without it must filter as it did (no such variance)."""
    params = {k: v for k, v in fitted.params.items() if k != "practice_log_var"}
    old = Tracer(params, fitted.kcs, fitted.items, fitted.item_kcs, fitted.config, fitted.declared)
    assert float(old.filter_params.practice_var) == 0.0
    assert float(fitted.filter_params.practice_var) > 0.0


def test_a_version_1_checkpoint_reads_its_edges_by_the_rule_it_was_fitted_with(simulation, fitted, tmp_path):
    """Checkpoints saved before the capped edge weights (version 1) keep P / (0.1 + sum_j P_jk), so a
    course's saved tracer serves what it was fitted for; a current one reads P itself up to a sum of 1."""
    import torch

    path = tmp_path / "old.pt"
    fitted.save(path)
    checkpoint = torch.load(path, weights_only=False)
    checkpoint["version"] = 1
    torch.save(checkpoint, path)
    old = Tracer.load(path)
    P = fitted.prerequisite_tensor()
    torch.testing.assert_close(old.filter_params.Pn, P / (0.1 + P.sum(0, keepdim=True)))
    torch.testing.assert_close(fitted.filter_params.Pn, P / P.sum(0, keepdim=True).clamp_min(1.0))
    test = [s for s in simulation.log.sequences if s.fold == 1][:5]
    assert not np.allclose(np.concatenate(old.filter_sequences(test)), np.concatenate(fitted.filter_sequences(test)))


def test_a_checkpoint_of_an_unknown_version_is_a_clear_error(fitted, tmp_path):
    import torch

    path = tmp_path / "future.pt"
    fitted.save(path)
    checkpoint = torch.load(path, weights_only=False)
    checkpoint["version"] = 99
    torch.save(checkpoint, path)
    with pytest.raises(ValueError, match="checkpoint version 99"):
        Tracer.load(path)
