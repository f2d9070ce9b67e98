"""The skill-level view, the paired per-learner bootstrap and the context buckets, on tiny synthetic logs."""
import json

import numpy as np
import pytest

from psikt.tracing import Log, Sequence, simulate, write_log
from psikt.tracing.buckets import bucket_table, contexts
from psikt.tracing.data import kc_level
from psikt.tracing.evaluate import main
from psikt.tracing.metrics import paired_bootstrap_auc_diff


def _seq(learner, items, kcs, correct, times=None, fold=1):
    n = len(items)
    return Sequence(learner, fold, items, kcs, np.array(correct), np.full(n, np.nan) if times is None else np.array(times))


def test_kc_level_view_merges_items_of_the_same_kc_set_and_keeps_everything_else():
    log = Log([_seq("a", ["q1", "q2", "q3"], [("k1",), ("k1",), ("k1", "k2")], [1, 0, 1], [0.0, 5.0, 9.0]),
               _seq("b", ["q4", "q2"], [("k2",), ("k1",)], [0, 1], fold=2)])
    view = kc_level(log)
    assert view.items == ["kc:k1", "kc:k1;k2", "kc:k2"]
    assert view.kcs == log.kcs
    assert view.sequences[0].items == ["kc:k1", "kc:k1", "kc:k1;k2"]
    assert view.sequences[0].kcs == log.sequences[0].kcs
    assert view.sequences[0].correct.tolist() == [1, 0, 1] and view.sequences[1].fold == 2
    assert view.sequences[0].times.tolist() == [0.0, 5.0, 9.0]


def test_paired_bootstrap_is_zero_for_a_model_against_itself_and_positive_for_a_clearly_better_one():
    rng = np.random.default_rng(0)
    learners = np.repeat(np.arange(60), 20)
    y = rng.integers(0, 2, len(learners))
    good = np.clip(0.5 + 0.4 * (y - 0.5) + rng.normal(0, 0.2, len(y)), 0, 1)
    noise = rng.random(len(y))
    assert np.all(paired_bootstrap_auc_diff(y, good, good, learners, n_boot=50) == 0)
    diffs = paired_bootstrap_auc_diff(y, good, noise, learners, n_boot=200)
    assert np.percentile(diffs, 2.5) > 0.2


def test_contexts_read_only_the_history_before_each_answer():
    seq = _seq("a", ["q1", "q2", "q3", "q4"], [("k1",), ("k1",), ("k2",), ("k1", "k2")], [1, 1, 0, 1],
               [0.0, 30.0, 4000.0, 50000.0])
    c = contexts(seq)
    assert c["kc_attempts"] == ["0 (cold)", "1-2", "0 (cold)", "1-2"]
    assert c["kc_streak"] == ["no earlier answer", "right x1", "no earlier answer", "no earlier answer"]
    assert c["recency"] == ["first on KC", "< 1 min", "first on KC", "1-24 h"]
    assert c["kcs_per_answer"] == ["1 KC", "1 KC", "1 KC", "2+ KCs"]
    untimed = contexts(_seq("b", ["q1"] * 5, [("k1",)] * 5, [0, 0, 0, 0, 1]))
    assert untimed["kc_streak"] == ["no earlier answer", "wrong x1", "wrong x2", "wrong x3+", "wrong x3+"]
    assert untimed["recency"][1] == "next answer"
    table = bucket_table([seq], {"m": np.array([0.9, 0.8, 0.2, 0.7])})
    assert [r["bucket"] for r in table["kc_attempts"]] == ["0 (cold)", "1-2"]
    assert table["kc_attempts"][0]["m"] == 1.0 and table["kcs_per_answer"][1]["m"] is None


def test_cli_kc_level_scores_every_model_on_the_view_with_paired_intervals_and_buckets(tmp_path, capsys):
    path = tmp_path / "sim.csv.gz"
    write_log(simulate(n_learners=60, n_kcs=3, n_items=12, length=15, kcs_per_item=2, seed=2).log, path)
    out = tmp_path / "out.json"
    main(["--data", str(path), "--models", "irt_pfa,item_mean,pfa", "--fold", "1", "--kc-level",
          "--bootstrap", "50", "--buckets", "--json", str(out)])
    result = json.loads(out.read_text())
    assert result["kc_level"] is True
    paired = result["paired"]
    assert paired["reference"] == "irt_pfa" and set(paired["differences"]) == {"item_mean", "pfa"}
    d = paired["differences"]["item_mean"]
    assert d["auc_diff"] == pytest.approx(result["results"]["irt_pfa"]["auc"] - result["results"]["item_mean"]["auc"])
    assert d["ci95"][0] <= d["auc_diff"] <= d["ci95"][1]
    assert sum(r["answers"] for r in result["buckets"]["position"]) == 10 * 15  # fold 1: 10 learners
    printed = capsys.readouterr().out
    assert "paired per-learner bootstrap" in printed and "kc_streak" in printed
