"""Split-half reliability of the traits (psikt.tracing.reliability), on learners simulated with known traits."""
import math

import pytest

from psikt.tracing.model import TRAIT_NAMES, simulate
from psikt.tracing.reliability import halves, main, split_half


def test_halves_cut_each_learner_in_time_order_and_keep_the_whole_vocabulary():
    log = simulate(n_learners=6, n_kcs=3, n_items=9, length=21, seed=2).log
    first, second = halves(log, min_answers=10)
    for whole, a, b in zip(log.sequences, first.sequences, second.sequences):
        assert a.learner == b.learner == whole.learner
        assert a.items + b.items == whole.items and len(a) == 10
    assert first.items == second.items == log.items


def test_the_level_is_reliable_across_halves_where_learners_differ_in_it():
    """The level mu differs widely between simulated learners and 60 answers a half pin it down, so the
    two halves' estimates agree; every trait gets a figure."""
    log = simulate(n_learners=80, n_kcs=3, n_items=12, length=120, seed=4).log
    result = split_half(log, min_answers=40, epochs=3)
    assert result["learners"] >= 60 and set(result["traits"]) == set(TRAIT_NAMES)
    assert result["traits"]["mu"]["spearman"] > 0.5
    assert all(math.isnan(t["spearman"]) or -1 <= t["spearman"] <= 1 for t in result["traits"].values())


def test_too_few_learners_or_a_bad_file_is_a_message_naming_the_file(tmp_path, capsys):
    path = tmp_path / "short.csv"
    path.write_text("learner_id,item_id,kc_ids,correct,timestamp,fold\nu1,i1,a,1,0,1\nu1,i2,a,0,60,1\n")
    with pytest.raises(SystemExit):
        main(["--data", str(path), "--min-answers", "40"])
    assert "short.csv: only 0 learners" in capsys.readouterr().err
    path.write_text("learner,item\nu1,i1\n")
    with pytest.raises(SystemExit):
        main(["--data", str(path)])
    assert "short.csv:1: missing column(s)" in capsys.readouterr().err


def test_the_convergence_option_reaches_both_fits():
    from psikt.tracing.reliability import converged_options

    assert converged_options(None) == {}
    log = simulate(n_learners=20, n_kcs=2, n_items=4, length=20, seed=5).log
    result = split_half(log, min_answers=10, epochs=3, **converged_options(1e9))
    assert result["fit_options"]["trait_tol"] == 1e9 and result["epochs_run"] == [3, 3]
