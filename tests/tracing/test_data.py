"""Reading the interaction log, and the errors for malformed files."""
import gzip

import numpy as np
import pytest

from psikt.tracing import LogFormatError, load_log, simulate, write_log

HEADER = "learner_id,item_id,kc_ids,correct,timestamp,fold\n"


def write(tmp_path, text, name="log.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_round_trip_of_simulated_log(tmp_path):
    sim = simulate(n_learners=6, n_kcs=3, n_items=9, length=7, kcs_per_item=2, timestamps=True, seed=3)
    path = tmp_path / "sim.csv.gz"
    write_log(sim.log, path)
    log = load_log(path)
    assert [s.learner for s in log.sequences] == [s.learner for s in sim.log.sequences]
    for a, b in zip(log.sequences, sim.log.sequences):
        assert a.items == b.items and a.kcs == b.kcs and a.fold == b.fold
        np.testing.assert_array_equal(a.correct, b.correct)
        np.testing.assert_allclose(a.times, b.times)
    assert log.has_time and log.n_answers == 42


def test_empty_timestamps_mean_no_clock(tmp_path):
    log = load_log(write(tmp_path, HEADER + "a,i1,k1;k2,1,,0\na,i2,k2,0,,0\nb,i1,k1;k2,1,,3\n"))
    assert not log.has_time
    assert log.kcs == ["k1", "k2"] and log.item_kcs["i1"] == ("k1", "k2")
    assert log.folds == [3]


def test_item_with_other_kcs_is_another_item(tmp_path):
    log = load_log(write(tmp_path, HEADER + "a,q0,c1,1,,1\nb,q0,c2,0,,1\nc,q0,c1,1,,1\n"))
    assert [s.items[0] for s in log.sequences] == ["q0", "q0[c2]", "q0"]
    assert log.item_kcs == {"q0": ("c1",), "q0[c2]": ("c2",)}


def test_missing_column_names_file_and_line(tmp_path):
    path = write(tmp_path, "learner_id,item_id,kc_ids,timestamp,fold\na,i,k,,1\n")
    with pytest.raises(LogFormatError, match=r"log\.csv:1: missing column\(s\) correct"):
        load_log(path)


def test_non_binary_correct_names_line(tmp_path):
    path = write(tmp_path, HEADER + "a,i1,k,1,,1\na,i2,k,0.5,,1\n")
    with pytest.raises(LogFormatError, match=r"log\.csv:3: correct must be 0 or 1, got '0.5'"):
        load_log(path)


def test_unsorted_time_within_learner_names_line(tmp_path):
    path = tmp_path / "log.csv.gz"
    with gzip.open(path, "wt") as fh:
        fh.write(HEADER + "a,i1,k,1,100,1\na,i2,k,0,200,1\nb,i1,k,1,50,1\na,i3,k,1,300,1\n")
    with pytest.raises(LogFormatError, match=r"log\.csv\.gz:5: rows of learner 'a' are not contiguous"):
        load_log(path)
    with gzip.open(path, "wt") as fh:
        fh.write(HEADER + "a,i1,k,1,100,1\na,i2,k,0,200,1\na,i3,k,1,150,1\n")
    with pytest.raises(LogFormatError, match=r"log\.csv\.gz:4: timestamp 150.0 is earlier"):
        load_log(path)
    with gzip.open(path, "wt") as fh:   # a blank time in between does not hide it
        fh.write(HEADER + "a,i1,k,1,100,1\na,i2,k,0,,1\na,i3,k,1,50,1\n")
    with pytest.raises(LogFormatError, match=r"log\.csv\.gz:4: timestamp 50.0 is earlier"):
        load_log(path)
    with gzip.open(path, "wt") as fh:
        fh.write(HEADER + "a,i1,k,1,100,1\na,i2,k,0,,1\na,i3,k,1,150,1\nb,i1,k,1,50,1\n")
    assert [list(s.times) for s in load_log(path).sequences][1] == [50.0]


def test_bad_fold_names_line(tmp_path):
    with pytest.raises(LogFormatError, match=r"log\.csv:2:"):
        load_log(write(tmp_path, HEADER + "a,i1,k,1,,x\n"))
