"""The graph's recovery scores, its bootstrap intervals and the intervention check (psikt.tracing.graph,
psikt.tracing.intervention), on hand-made graphs and simulations whose graph is known."""
import json

import numpy as np
import pytest
import torch

from psikt.tracing import prior_tracer, simulate, write_log
from psikt.tracing.graph import EdgeBootstrap, edge_bootstrap, recovery, recovery_scores, resample_learners
from psikt.tracing.graph import main as graph_main
from psikt.tracing.intervention import check, transfer_coefficients
from psikt.tracing.intervention import main as intervention_main
from psikt.tracing.model import DEFAULT_TRAIT_LOC, inv_softplus, normalised_prerequisites

TRUE = np.array([[0, 0.9, 0], [0, 0, 0.9], [0, 0, 0]])


def test_the_true_graph_scores_one_and_the_reversed_graph_zero():
    assert recovery_scores(TRUE, TRUE)["directed_auroc"] == 1.0
    assert recovery_scores(TRUE, TRUE)["right_direction"] == 1.0
    reversed_ = recovery_scores(TRUE, TRUE.T)
    assert reversed_["directed_auroc"] < 0.5 and reversed_["right_direction"] == 0.0
    assert reversed_["undirected_auroc"] == 1.0  # the right pairs, the wrong way round


def test_an_edge_weighs_its_probability_until_a_kcs_prerequisites_sum_past_one():
    # KC 1 has one prerequisite at 0.2, KC 2 two at 0.9 and 0.6, KC 0 none.
    P = torch.tensor([[0.0, 0.2, 0.9], [0.0, 0.0, 0.6], [0.0, 0.0, 0.0]])
    Pn = normalised_prerequisites(P)
    assert Pn[0, 1].item() == pytest.approx(0.2)  # read as it is (P / (0.1 + sum) gave it 0.67)
    assert Pn[:, 2].tolist() == pytest.approx([0.6, 0.4, 0.0])  # 1.5 in all: scaled to sum to 1
    assert Pn[:, 0].sum().item() == 0.0  # no prerequisites: the virtual mastered parent has all the weight


def test_resampled_learners_are_drawn_from_the_log_and_renamed_apart():
    log = simulate(n_learners=10, n_kcs=2, n_items=4, length=5, seed=1).log
    again = resample_learners(log, np.random.default_rng(0))
    assert len(again.sequences) == 10 and len({s.learner for s in again.sequences}) == 10
    originals = {s.learner: s.correct.tolist() for s in log.sequences}
    assert all(s.correct.tolist() == originals[s.learner.split("#")[0]] for s in again.sequences)
    assert again.kcs == log.kcs


def test_bootstrap_intervals_hold_the_median_and_reach_the_tracer():
    log = simulate(n_learners=30, n_kcs=3, n_items=6, length=10, seed=2).log
    boot = edge_bootstrap(log, fits=2, epochs=1)
    assert (boot.low <= boot.median + 1e-9).all() and (boot.median <= boot.high + 1e-9).all()
    assert (boot.high > boot.low).any()  # two fits on different resamplings differ somewhere
    tracer = prior_tracer(list(reversed(boot.kcs)), [], {"i": (boot.kcs[0],)})
    tracer.config["edge_intervals"] = boot.as_config()
    graph = tracer.prerequisites()
    a, b = graph.kcs.index(boot.kcs[0]), graph.kcs.index(boot.kcs[1])
    assert graph.low[a, b] == boot.low[0, 1] and graph.high[b, a] == boot.high[1, 0]
    tracer.add_kc("new")
    assert tracer.prerequisites().low is None  # the new KC's edges were never resampled


def test_bootstrap_rows_list_strong_edges_first():
    one = np.array([[0, 0.8, 0.3], [0.1, 0, 0.6], [0, 0, 0]])
    rows = EdgeBootstrap(["a", "b", "c"], one, one - 0.1, one + 0.1, 3).rows(0.5)
    assert [(r["prerequisite"], r["kc"]) for r in rows] == [("a", "b"), ("b", "c")]


def test_a_bootstrap_of_one_fit_is_refused():
    with pytest.raises(ValueError, match="two fits"):
        edge_bootstrap(simulate(n_learners=12, n_kcs=2, n_items=4, length=5).log, fits=1)


def test_practice_on_a_true_prerequisite_predicts_later_gains_where_learning_is_strong():
    # Strong learning and transfer, so that the graph matters to the answers; practice in random order,
    # so that practice counts are not confounded with the graph's order.
    strong = (DEFAULT_TRAIT_LOC[0], DEFAULT_TRAIT_LOC[1] - 1.0, DEFAULT_TRAIT_LOC[2], 2.0, inv_softplus(1.0))
    sim = simulate(n_learners=300, n_kcs=6, n_items=30, length=100, edge_prob=0.4, timestamps=True,
                   random_order=True, trait_loc=strong, seed=1)
    beta = transfer_coefficients(sim.log.sequences, sim.kcs)
    edges, others = sim.prerequisites > 0, (sim.prerequisites == 0) & ~np.eye(6, dtype=bool)
    assert np.nanmean(beta[edges]) > np.nanmean(beta[others]) + 0.2
    result = check(sim.prerequisites, beta)
    assert result["pairs"] == 30 and result["spearman"] > 0.4
    assert check(np.where(edges, 0.0, 0.9) * ~np.eye(6, dtype=bool), beta)["spearman"] < 0


def test_clis_write_json(tmp_path, capsys):
    path = tmp_path / "sim.csv.gz"
    write_log(simulate(n_learners=40, n_kcs=3, n_items=9, length=12, seed=3).log, path)
    graph_main(["bootstrap", "--data", str(path), "--fits", "2", "--epochs", "1", "--threshold", "0",
                "--json", str(tmp_path / "boot.json")])
    boot = json.loads((tmp_path / "boot.json").read_text())
    assert len(boot["edges"]) == 6 and all(e["low"] <= e["median"] <= e["high"] for e in boot["edges"])
    intervention_main(["--data", str(path), "--fold", "1", "--epochs", "1", "--json", str(tmp_path / "int.json")])
    assert json.loads((tmp_path / "int.json").read_text())["held_out_learners"] > 0
    graph_main(["recovery", "--learners", "20", "--length", "10", "--kcs", "4", "--seeds", "0", "--epochs", "1",
                "--json", str(tmp_path / "rec.json")])
    assert 0 <= json.loads((tmp_path / "rec.json").read_text())["mean_directed_auroc"] <= 1
    capsys.readouterr()


def test_intervention_cli_names_a_fold_without_learners(tmp_path):
    path = tmp_path / "sim.csv.gz"
    write_log(simulate(n_learners=12, n_kcs=2, n_items=4, length=5, n_folds=2, seed=3).log, path)
    with pytest.raises(SystemExit):
        intervention_main(["--data", str(path), "--fold", "7"])


def test_recovery_scores_the_mean_graph_of_its_fits():
    one = recovery(20, 8, 3, seed=4, epochs=1)
    two = recovery(20, 8, 3, seed=4, fits=2, epochs=1)
    assert one["fits"] == 1 and two["fits"] == 2 and len(two["epochs_run"]) == 2
    assert two["true_edge_mean"] != one["true_edge_mean"]  # the second fit (seed 104) moved the mean


def test_recovery_cli_refuses_zero_fits(capsys):
    with pytest.raises(SystemExit):
        graph_main(["recovery", "--fits", "0"])
    assert "--fits must be at least 1" in capsys.readouterr().err
