"""The evaluation CLI and the baselines, on simulated logs."""
import json

import numpy as np
import pytest

from psikt.tracing import Log, Sequence, simulate, write_log
from psikt.tracing.baselines import BKT
from psikt.tracing.evaluate import main, multistep_view


def test_cli_writes_the_spec_json(tmp_path, capsys):
    path = tmp_path / "sim.csv.gz"
    write_log(simulate(n_learners=90, n_kcs=4, n_items=16, length=20, kcs_per_item=2, seed=4).log, path)
    out = tmp_path / "out.json"
    main(["--data", str(path), "--models", "psikt,irt_pfa,dkt,bkt,pfa,item_mean", "--folds", "1",
          "--json", str(out), "--epochs", "2", "--multistep", "5"])
    result = json.loads(out.read_text())
    assert result["dataset"] == str(path)
    assert result["folds"] == [1]
    assert list(result["results"]) == ["psikt", "irt_pfa", "dkt", "bkt", "pfa", "item_mean"]
    for r in result["results"].values():
        assert set(r) == {"auc", "auc_std", "acc", "logloss", "rmse", "ece", "fit_seconds"}
        assert 0 <= r["auc"] <= 1 and r["auc_std"] == 0.0
    assert result["multistep"]["horizon"] == 5
    printed = capsys.readouterr().out
    assert "psikt" in printed and "irt_pfa" in printed


def test_multistep_view_reveals_only_the_first_half():
    seq = Sequence("a", 1, [f"i{n}" for n in range(9)], [("k",)] * 9, np.ones(9, dtype=np.int64), np.full(9, np.nan))
    cut, observed, scored = multistep_view([seq], 3)
    assert len(cut[0]) == 7
    assert observed[0].tolist() == [True] * 4 + [False] * 3
    assert scored[0].tolist() == [False] * 4 + [True] * 3


def test_bkt_em_recovers_generating_parameters():
    rng = np.random.default_rng(0)
    init, learn, guess, slip = 0.3, 0.2, 0.25, 0.1
    seqs = []
    for n in range(400):
        known = rng.random() < init
        ys = []
        for _ in range(15):
            ys.append(int(rng.random() < (1 - slip if known else guess)))
            known = known or rng.random() < learn
        seqs.append(Sequence(f"s{n}", 1, ["q"] * 15, [("k",)] * 15, np.array(ys), np.full(15, np.nan)))
    fitted = BKT(iterations=100).fit(Log(seqs)).params[0]
    np.testing.assert_allclose(fitted, [init, learn, guess, slip], atol=0.06)


def test_fold_option_evaluates_only_the_named_folds_and_rejects_unknown_ones(tmp_path, capsys):
    path = tmp_path / "sim.csv.gz"
    write_log(simulate(n_learners=60, n_kcs=3, n_items=9, length=10, seed=6).log, path)
    out = tmp_path / "out.json"
    main(["--data", str(path), "--models", "item_mean,pfa", "--fold", "4", "--fold", "2", "--json", str(out)])
    result = json.loads(out.read_text())
    assert result["folds"] == [2, 4]
    assert len(result["per_fold"]["pfa"]["auc"]) == 2
    assert result["results"]["pfa"]["auc"] == pytest.approx(np.mean(result["per_fold"]["pfa"]["auc"]))
    assert "fold 4 item_mean: auc" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--data", str(path), "--models", "item_mean", "--fold", "9"])


@pytest.mark.parametrize(("content", "reason"), [
    (None, "cannot read"),                                              # no such file
    (b"\x1f\x8b\x08\x00 truncated", "cannot read"),                     # a broken gzip
    (b"learner_id,item_id,kc_ids,correct,timestamp,fold\ns1,q1,k1,yes,1,1\n", ":2: correct"),   # not 0/1, line 2
])
def test_a_bad_log_is_a_message_naming_the_file_not_a_traceback(tmp_path, capsys, content, reason):
    path = tmp_path / ("log.csv.gz" if content and content.startswith(b"\x1f") else "log.csv")
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SystemExit) as ended:
        main(["--data", str(path), "--models", "item_mean"])
    err = capsys.readouterr().err
    assert ended.value.code == 2 and str(path) in err and reason in err and "Traceback" not in err


def test_an_unwritable_json_path_is_refused_before_the_run(tmp_path, capsys):
    path = tmp_path / "sim.csv"
    write_log(simulate(n_learners=20, n_kcs=2, n_items=4, length=5, seed=1).log, path)
    with pytest.raises(SystemExit):
        main(["--data", str(path), "--models", "item_mean", "--json", str(tmp_path / "no" / "such" / "out.json")])
    err = capsys.readouterr().err
    assert "cannot write" in err and "item_mean" not in capsys.readouterr().out
