"""What the traits predict on held-out data (psikt.tracing.validity), on simulated learners whose traits are known."""
import math

import numpy as np
import pytest

from psikt.tracing.data import Sequence
from psikt.tracing.model import inv_softplus, simulate
from psikt.tracing.validity import behaviour_evidence, held_out_validity, kc_history, main, second_half_behaviour

DAY = 86400.0


def test_kc_history_counts_earlier_answers_and_days_since_the_kc_was_last_answered():
    seq = Sequence("u", 1, ["i1", "i2", "i3", "i4"], [("a",), ("b",), ("a", "b"), ("a",)], np.array([1, 0, 1, 1]),
                   np.array([0.0, DAY, 3 * DAY, 3.5 * DAY]))
    lags, practice = kc_history(seq)
    assert math.isnan(lags[0]) and math.isnan(lags[1])
    assert lags[2:].tolist() == [2.0, 0.5]  # item 3: b was answered a day after a; item 4: a half a day before
    assert practice.tolist() == [0, 0, 1, 2]


def test_the_forgetting_drop_compares_answers_after_short_and_long_gaps():
    """Answers a quarter of a day apart, except two days before answers 3, 6 and 9, which are wrong."""
    gaps = np.where(np.isin(np.arange(12), [3, 6, 9]), 2.0, 0.25)
    gaps[0] = 0.0
    correct = np.where(np.isin(np.arange(12), [3, 6, 9]), 0, 1)
    seq = Sequence("u", 1, ["i"] * 12, [("a",)] * 12, correct, np.cumsum(gaps) * DAY)
    stats = second_half_behaviour(seq, 0, gap_days=1.0)
    assert stats["forgetting_drop"] == pytest.approx(1.0) and stats["accuracy"] == pytest.approx(0.75)
    assert math.isnan(second_half_behaviour(seq, 6, gap_days=1.0)["forgetting_drop"])  # two long gaps left
    assert math.isnan(second_half_behaviour(seq, 0, gap_days=0.1)["forgetting_drop"])  # no short gap


def test_with_the_true_traits_each_statistic_follows_its_trait():
    """The statistics are right when the truth predicts them: the level mu and accuracy, and where
    forgetting is slow and varies widely between learners, the forgetting rate and the drop after long gaps."""
    sim = simulate(n_learners=150, n_kcs=3, n_items=12, length=240, timestamps=True, seed=0,
                   trait_loc=(inv_softplus(0.3), 0.0, inv_softplus(0.5), 0.0, inv_softplus(0.3)),
                   trait_scale=(1.0, 0.7, 0.2, 0.5, 1.0))
    behaviour = [second_half_behaviour(s, 120, gap_days=1.0) for s in sim.log.sequences]
    evidence = behaviour_evidence(sim.traits, behaviour)
    assert evidence["mu"]["spearman"] > 0.25 and evidence["mu"]["p"] < 0.01
    assert evidence["alpha"]["spearman"] > 0.1 and evidence["alpha"]["learners"] > 100
    low, high = evidence["mu"]["ci95"]
    assert low < evidence["mu"]["spearman"] < high


def test_the_fitted_level_predicts_second_half_accuracy():
    log = simulate(n_learners=80, n_kcs=3, n_items=12, length=80, timestamps=True, seed=4).log
    result = held_out_validity(log, min_answers=40, epochs=3)
    assert result["learners"] >= 60
    assert result["behaviour"]["mu"]["spearman"] > 0.4
    assert set(result["likelihood"]) == {"alpha", "sigma", "gamma", "eta", "all static"}
    for row in result["likelihood"].values():
        assert row["ci95"][0] <= row["loglik_gain_per_answer"] <= row["ci95"][1]


def test_bad_input_is_a_message_naming_it(tmp_path, capsys):
    path = tmp_path / "short.csv"
    path.write_text("learner_id,item_id,kc_ids,correct,timestamp,fold\nu1,i1,a,1,0,1\nu1,i2,a,0,60,1\n")
    with pytest.raises(SystemExit):
        main(["--data", str(path)])
    assert "short.csv: only 0 learners" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--data", str(path), "--gap-days", "0"])
    assert "--gap-days must be positive" in capsys.readouterr().err
