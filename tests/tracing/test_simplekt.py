"""The question-aware attention baseline (simpleKT, issue 21 item 5): it sees only the past, covers long
sequences with enough history, never reads an unrevealed answer, and learns item difficulty."""
import numpy as np
import pytest

from psikt.tracing import Sequence, simulate
from psikt.tracing.baselines import DKT, SimpleKT
from psikt.tracing.baselines.simplekt import _window_starts
from psikt.tracing.metrics import score


@pytest.fixture(scope="module")
def simulation():
    return simulate(n_learners=240, n_kcs=4, n_items=40, length=30, kcs_per_item=2, seed=3)


@pytest.fixture(scope="module")
def model(simulation):
    train = simulation.log.subset(lambda s: s.fold != 1)
    return SimpleKT(dim=16, heads=2, epochs=12, window=12, seed=0).fit(train)


def _flipped(seq: Sequence, at: int) -> Sequence:
    correct = seq.correct.copy()
    correct[at] = 1 - correct[at]
    return Sequence(seq.learner, seq.fold, seq.items, seq.kcs, correct, seq.times)


@pytest.fixture(scope="module")
def two_blocks(simulation):
    """The stack of the paper: the second block's keys are the first block's states."""
    train = simulation.log.subset(lambda s: s.fold != 1)
    return SimpleKT(dim=16, heads=2, epochs=3, window=12, seed=0, blocks=2).fit(train)


@pytest.mark.parametrize("fitted", ["model", "two_blocks"])
def test_an_answer_moves_only_the_predictions_after_it(simulation, fitted, request):
    model = request.getfixturevalue(fitted)
    seq = simulation.log.sequences[0]
    for at in (0, 5, 11, 20):  # inside the first window, at its edge and in later windows
        before, after = model.predict([seq])[0], model.predict([_flipped(seq, at)])[0]
        np.testing.assert_allclose(before[:at + 1], after[:at + 1], atol=1e-6)
        assert not np.allclose(before[at + 1:at + 4], after[at + 1:at + 4], atol=1e-6)


@pytest.mark.parametrize("length", [1, 7, 12, 13, 30, 95])
def test_the_sliding_windows_keep_every_answer_once_with_half_a_window_of_history(length):
    window = 12
    starts = list(_window_starts(length, window))
    kept = []
    for (start, first), following in zip(starts, [*starts[1:], (None, length)]):
        kept += list(range(first, following[1]))
        assert start <= first and following[1] <= start + window
        assert first == 0 or first - start >= window // 2
    assert kept == list(range(length))


def test_an_unrevealed_answer_is_never_read(simulation, model):
    seq = simulation.log.sequences[1]
    observed = [np.arange(len(seq)) < 18]
    before = model.predict([seq], observed)[0]
    after = model.predict([_flipped(seq, 22)], observed)[0]
    np.testing.assert_allclose(before, after, atol=1e-6)
    revealed = model.predict([seq])[0]
    np.testing.assert_allclose(before[:19], revealed[:19], atol=1e-6)


def test_it_learns_what_a_kc_level_lstm_cannot_see_item_difficulty(simulation, model):
    """The simulation draws a difficulty per item with two KCs each: on held-out learners the
    question-aware model ranks answers better than DKT, which sees only the KCs."""
    train = simulation.log.subset(lambda s: s.fold != 1)
    test = [s for s in simulation.log.sequences if s.fold == 1]
    y = np.concatenate([s.correct for s in test])
    simplekt_auc = score(y, np.concatenate(model.predict(test)))["auc"]
    dkt_auc = score(y, np.concatenate(DKT(hidden=16, epochs=12, window=12).fit(train).predict(test)))["auc"]
    assert simplekt_auc > 0.6
    assert simplekt_auc > dkt_auc
