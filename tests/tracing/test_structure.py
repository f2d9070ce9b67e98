"""The concept-grouping check of psikt.tracing.structure, on simulated logs and hand-made tracers."""
import json

import pytest
import torch

from psikt.tracing import prior_tracer, simulate, write_log
from psikt.tracing.structure import concept_grouping, items_as_kcs, main

CONCEPT = {"a1": ("A",), "a2": ("A",), "a3": ("A",), "b1": ("B",), "b2": ("B",), "b3": ("B",)}


def item_tracer(prerequisites=()):
    """A tracer whose KCs are the items of CONCEPT, one KC per item."""
    return prior_tracer(list(CONCEPT), list(prerequisites), {item: (item,) for item in CONCEPT})


def test_items_become_their_own_kcs_and_keep_their_concepts():
    log = simulate(n_learners=12, n_kcs=3, n_items=6, length=8, seed=2).log
    hidden_log, concept = items_as_kcs(log)
    assert concept == log.item_kcs
    assert all(hidden_log.item_kcs[item] == (item,) for item in hidden_log.items)
    assert sorted(hidden_log.kcs) == sorted(log.items)
    assert [s.correct.tolist() for s in hidden_log.sequences] == [s.correct.tolist() for s in log.sequences]


def test_embeddings_clustered_by_concept_score_one_and_crossed_clusters_score_low():
    tracer = item_tracer()
    cluster = torch.tensor([[1.0, 0.0], [0.0, 1.0]]).repeat_interleave(3, 0)
    tracer.params["U"] = torch.nn.functional.pad(cluster, (0, tracer.params["U"].shape[1] - 2))
    assert concept_grouping(tracer, CONCEPT)["embedding_auroc"] == 1.0
    tracer.params["U"] = tracer.params["U"][[0, 3, 1, 4, 2, 5]]  # a1, b1, a2 ... share an embedding
    assert concept_grouping(tracer, CONCEPT)["embedding_auroc"] < 0.5


def test_graph_with_edges_inside_concepts_groups_them():
    result = concept_grouping(item_tracer([("a1", "a2"), ("a2", "a3"), ("b1", "b2"), ("b2", "b3"), ("a1", "a3"),
                                           ("b1", "b3")]), CONCEPT)
    assert result["graph_auroc"] == 1.0
    assert (result["pairs"], result["same_concept_pairs"]) == (15, 6)


def test_one_concept_only_is_a_clear_error():
    with pytest.raises(ValueError, match="two concepts"):
        concept_grouping(item_tracer(), {item: ("A",) for item in CONCEPT})


def test_cli_fits_hidden_concepts_and_writes_json(tmp_path, capsys):
    path = tmp_path / "sim.csv.gz"
    write_log(simulate(n_learners=40, n_kcs=2, n_items=8, length=12, seed=3).log, path)
    out = tmp_path / "out.json"
    main(["--data", str(path), "--learners", "s", "--epochs", "1", "--json", str(out)])
    result = json.loads(out.read_text())
    assert (result["learners"], result["items"], result["concepts"]) == (40, 8, 2)
    assert 0 <= result["graph_auroc"] <= 1 and 0 <= result["embedding_auroc"] <= 1
    assert "graph_auroc" in capsys.readouterr().out


def test_cli_rejects_a_prefix_no_learner_has(tmp_path):
    path = tmp_path / "sim.csv.gz"
    write_log(simulate(n_learners=6, n_kcs=2, n_items=4, length=5, seed=3).log, path)
    with pytest.raises(SystemExit):
        main(["--data", str(path), "--learners", "nobody"])


def test_cli_bootstrap_gives_every_listed_edge_an_interval(tmp_path, capsys):
    path = tmp_path / "sim.csv.gz"
    write_log(simulate(n_learners=30, n_kcs=2, n_items=6, length=10, seed=3).log, path)
    out = tmp_path / "out.json"
    main(["--data", str(path), "--epochs", "1", "--bootstrap", "2", "--json", str(out)])
    boot = json.loads(out.read_text())["bootstrap"]
    assert boot["fits"] == 2 and boot["percentiles"] == [10, 90]
    assert all(e["low"] <= e["median"] <= e["high"] and e["median"] >= 0.1 for e in boot["edges"])
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["--data", str(path), "--bootstrap", "1"])
    assert "at least 2 fits" in capsys.readouterr().err
