"""PSI-KT's continual-learning protocol (``psikt.tracing.evaluate --protocol continual``): the models are
fitted on every learner's early answers only, and no prediction reads its own answer or a later one."""
import json
from types import SimpleNamespace

import numpy as np
import pytest

from psikt.tracing import Sequence, simulate, write_log
from psikt.tracing.baselines import BASELINES, SimpleKT
from psikt.tracing.evaluate import continual_folds, main, make_model, split_in_time


@pytest.fixture(scope="module")
def log():
    return simulate(n_learners=60, n_kcs=3, n_items=12, length=16, kcs_per_item=2, timestamps=True, seed=5).log


def _args():
    return SimpleNamespace(protocol="continual", early=0.5, device="cpu", ablate=[], epochs=2, online_traits=False,
                           compile=False, population_traits=False)


def test_the_early_log_holds_each_learners_first_answers_only(log):
    early, cut = split_in_time(log, 0.5)
    by_learner = {s.learner: s for s in log.sequences}
    assert len(early.sequences) == len(log.sequences)
    for s in early.sequences:
        whole = by_learner[s.learner]
        assert len(s) == cut[s.learner] == len(whole) // 2
        assert s.items == whole.items[:len(s)] and (s.correct == whole.correct[:len(s)]).all()
    # Items met only in later answers are unknown to the fit.
    assert set(early.items) == {i for s in early.sequences for i in s.items}


def test_a_learner_with_one_answer_has_no_later_answer_and_is_left_out():
    one = Sequence("a", 1, ["q"], [("k",)], np.array([1]), np.array([np.nan]))
    two = Sequence("b", 1, ["q", "r"], [("k",)] * 2, np.array([1, 0]), np.array([np.nan] * 2))
    early, cut = split_in_time(SimpleNamespace(sequences=[one, two], path=""), 0.9)
    assert cut == {"b": 1} and [len(s) for s in early.sequences] == [1]


class Recorder:
    """A baseline that remembers what it was fitted on and predicts the rate of the answers so far."""

    fitted_on = None

    def fit(self, log):
        Recorder.fitted_on = log
        return self

    def predict(self, seqs, observed=None):
        return [np.concatenate([[0.5], np.cumsum(s.correct)[:-1] / np.arange(1, len(s))]) for s in seqs]


def test_the_models_are_fitted_on_early_answers_only(log, monkeypatch):
    monkeypatch.setitem(BASELINES, "recorder", Recorder)
    folds = list(continual_folds(log, ["recorder"], log.folds, _args()))
    early, cut = split_in_time(log, 0.5)
    assert Recorder.fitted_on is not None
    assert [s.correct.tolist() for s in Recorder.fitted_on.sequences] == [s.correct.tolist() for s in early.sequences]
    scored_learners = set()
    for fold, test, scored, fitted in folds:
        assert all(s.fold == fold for s in test)
        for s, m in zip(test, scored):
            assert m.tolist() == [n >= cut[s.learner] for n in range(len(s))]
            scored_learners.add(s.learner)
    assert scored_learners == {s.learner for s in log.sequences if s.fold in log.folds}


def test_psikt_starts_a_learner_from_their_fitted_traits_unless_told_otherwise(log):
    args = _args()
    _, test, _, fitted = next(continual_folds(log, ["psikt"], log.folds, args))
    own = fitted["psikt"][0]
    known = [s for s in test if s.learner in own.tracer.learner_traits]
    args.population_traits = True
    population = make_model("psikt", args)
    population.tracer = own.tracer
    served, batched = own.predict(known), population.predict(known)
    assert known and not all(np.allclose(a, b, atol=1e-6) for a, b in zip(served, batched))
    # With the population's traits the serving path and the batched filter agree.
    own.tracer.learner_traits.clear()
    for a, b in zip(own.predict(known), batched):
        np.testing.assert_allclose(a, b, atol=1e-5)


def _later_answers_redrawn(log, seed):
    """The log with every learner's answers from a random position after their cut on redrawn at random."""
    _, cut = split_in_time(log, 0.5)
    rng = np.random.default_rng(seed)
    changed, frm = [], {}
    for s in log.sequences:
        frm[s.learner] = int(rng.integers(cut[s.learner], len(s)))
        correct = s.correct.copy()
        correct[frm[s.learner]:] = rng.integers(0, 2, len(s) - frm[s.learner])
        correct[frm[s.learner]] = 1 - s.correct[frm[s.learner]]  # the first redrawn answer always differs
        changed.append(Sequence(s.learner, s.fold, s.items, s.kcs, correct, s.times))
    return type(log)(changed, path=log.path), frm


@pytest.mark.parametrize("name", ["psikt", "irt_pfa", "simplekt"])
def test_no_prediction_reads_its_own_answer_or_a_later_one(log, name, monkeypatch):
    """Changing a learner's answers from position j on leaves every prediction up to j unchanged, for
    every learner (so the fit did not see them either), and changes predictions after j."""
    monkeypatch.setitem(BASELINES, "simplekt", lambda: SimpleKT(dim=16, heads=2, epochs=3, window=6))
    changed, frm = _later_answers_redrawn(log, seed=1)
    runs = []
    for data in (log, changed):
        runs.append({s.learner: p for _, test, _, fitted in continual_folds(data, [name], data.folds, _args())
                     for s, p in zip(test, fitted[name][0].predict(test))})
    moved_after = 0
    for learner, j in frm.items():
        if learner not in runs[0]:
            continue
        np.testing.assert_allclose(runs[0][learner][:j + 1], runs[1][learner][:j + 1], atol=1e-6)
        moved_after += not np.allclose(runs[0][learner][j + 1:], runs[1][learner][j + 1:], atol=1e-6)
    assert moved_after > 0.5 * len(runs[0])


def test_cli_reports_the_continual_protocol_and_rejects_one_step_options(tmp_path, log, capsys):
    path = tmp_path / "sim.csv.gz"
    write_log(log, path)
    out = tmp_path / "out.json"
    main(["--data", str(path), "--models", "irt_pfa,item_mean", "--folds", "2", "--protocol", "continual",
          "--bootstrap", "50", "--json", str(out)])
    result = json.loads(out.read_text())
    assert result["protocol"] == "continual" and result["folds"] == [1, 2]
    assert len(result["per_fold"]["irt_pfa"]["auc"]) == 2 and len(result["per_fold"]["irt_pfa"]["fit_seconds"]) == 1
    assert "continual" in capsys.readouterr().out
    for extra in (["--multistep", "5"], ["--buckets"], ["--early", "1.5"]):
        with pytest.raises(SystemExit):
            main(["--data", str(path), "--models", "item_mean", "--protocol", "continual", *extra])
        assert "Traceback" not in capsys.readouterr().err
