"""pyKT's and pyBKT's formats to the tracer's log and back (psikt.tracing.interchange), on files written here."""

import re

import numpy as np
import pytest

from psikt.tracing.data import LogFormatError, load_log
from psikt.tracing.interchange import from_pybkt, from_pykt, hashed_fold, main, to_pybkt, to_pykt

PYKT = """fold,uid,questions,concepts,responses,timestamps,selectmasks
0,u1,"q1,q2,q3","c1,c1_c2,c2","1,0,1","1000,61000,3601000","1,1,1"
0,u1,"q4,-1","c3,-1","0,-1","7200000,-1","1,-1"
-1,u2,"q2","c1_c2","1","5000","1"
"""


def test_a_pykt_file_becomes_a_log_that_the_tracer_reads(tmp_path):
    source = tmp_path / "train_valid_quelevel.csv"
    source.write_text(PYKT)
    log = from_pykt(source, test_fold=5)
    first, second = log.sequences
    assert (first.learner, first.fold, first.items) == ("u1", 1, ["q1", "q2", "q3", "q4"])  # two rows, padding dropped
    assert first.kcs == [("c1",), ("c1", "c2"), ("c2",), ("c3",)]
    assert first.correct.tolist() == [1, 0, 1, 0] and first.times.tolist() == [1.0, 61.0, 3601.0, 7200.0]
    assert (second.learner, second.fold) == ("u2", 5)
    out = tmp_path / "log.csv.gz"
    assert main(["from-pykt", str(source), str(out), "--test-fold", "5"]) == 0
    read = load_log(out)
    assert [s.items for s in read.sequences] == [s.items for s in log.sequences]


def test_a_log_round_trips_through_pykt_and_pybkt(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text(PYKT)
    log = from_pykt(source, test_fold=5)
    to_pykt(log, tmp_path / "pykt.csv")
    again = from_pykt(tmp_path / "pykt.csv", test_fold=5)
    for before, after in zip(log.sequences, again.sequences):
        assert (before.items, before.kcs, before.correct.tolist()) == (after.items, after.kcs, after.correct.tolist())
        assert np.allclose(before.times, after.times)
    to_pybkt(log, tmp_path / "pybkt.csv")
    rows = (tmp_path / "pybkt.csv").read_text().splitlines()
    assert len(rows) == 1 + 5 + 2  # a header, one row per (answer, skill): two answers have two skills
    back = from_pybkt(tmp_path / "pybkt.csv")
    assert [(s.learner, s.items, s.kcs, s.correct.tolist()) for s in back.sequences] == [
        (s.learner, s.items, s.kcs, s.correct.tolist()) for s in log.sequences]
    assert [s.fold for s in back.sequences] == [hashed_fold("u1"), hashed_fold("u2")]


@pytest.mark.parametrize("text, where", [
    ("fold,uid,questions,concepts\n0,u1,q1,c1\n", ":1: missing column(s) responses"),
    ('fold,uid,questions,concepts,responses\n0,u1,"q1,q2","c1","1,0"\n', ":2: lists of different lengths"),
    ('fold,uid,questions,concepts,responses\n0,u1,"q1","c1","2"\n', ":2: response 1 must be 0 or 1"),
    ('fold,uid,questions,concepts,responses\nzero,u1,"q1","c1","1"\n', ":2: fold must be an integer"),
])
def test_a_malformed_pykt_file_names_its_line(tmp_path, text, where):
    source = tmp_path / "bad.csv"
    source.write_text(text)
    with pytest.raises(LogFormatError, match=re.escape(f"bad.csv{where}")):
        from_pykt(source)


def test_the_command_line_reports_a_bad_file_without_a_traceback(tmp_path, capsys):
    source = tmp_path / "bad.csv"
    source.write_text("order_id,user_id,skill_name,correct\n1,u1,s1,yes\n")
    assert main(["from-pybkt", str(source), str(tmp_path / "out.csv")]) == 2
    assert "bad.csv:2: correct must be 0 or 1" in capsys.readouterr().err


def test_the_evaluation_reads_a_converted_pykt_file(tmp_path):
    """A researcher's pyKT file, converted, is what `psikt.tracing.evaluate --data` scores: the tracer and a
    baseline fitted on its folds, with the answers of the held-out fold predicted."""
    import json

    from psikt.tracing import simulate
    from psikt.tracing.evaluate import main as evaluate

    to_pykt(simulate(n_learners=30, n_kcs=3, n_items=6, length=20, seed=1).log, tmp_path / "pykt.csv")
    assert main(["from-pykt", str(tmp_path / "pykt.csv"), str(tmp_path / "log.csv.gz")]) == 0
    evaluate(["--data", str(tmp_path / "log.csv.gz"), "--models", "psikt,item_mean", "--folds", "1",
              "--epochs", "1", "--bootstrap", "0", "--json", str(tmp_path / "out.json")])
    results = json.loads((tmp_path / "out.json").read_text())["results"]
    assert set(results) == {"psikt", "item_mean"}
    assert all(0.0 <= results[m]["auc"] <= 1.0 for m in results)
