"""Test learners' traits estimated online from their own earlier answers (psikt.tracing.online)."""
import numpy as np

from psikt.tracing.online import FIRST_CHECKPOINT, checkpoints


def test_checkpoints_double_from_the_first():
    assert checkpoints(100) == [8, 16, 32, 64]
    assert checkpoints(8) == []


def test_a_prediction_never_sees_its_own_or_a_later_answer(simulation, fitted):
    seq = next(s for s in simulation.log.sequences if s.fold == 1)
    base = fitted.filter_sequences([seq], online_traits=True)[0]
    t = 20  # inside the segment [16, 32): its traits come from the first 16 answers
    flipped = type(seq)(seq.learner, seq.fold, seq.items, seq.kcs, seq.correct.copy(), seq.times)
    flipped.correct[t] = 1 - flipped.correct[t]
    after = fitted.filter_sequences([flipped], online_traits=True)[0]
    # P(y_t = 1) is read off the update by y_t, so its own answer moves it by float rounding only.
    np.testing.assert_allclose(after[:t + 1], base[:t + 1], atol=1e-6)
    assert not np.allclose(after[t + 1:], base[t + 1:])


def test_traits_move_away_from_the_population_only_after_the_first_checkpoint(simulation, fitted):
    seqs = [s for s in simulation.log.sequences if s.fold == 1][:10]
    population = np.concatenate([p[:FIRST_CHECKPOINT] for p in fitted.filter_sequences(seqs)])
    online = fitted.filter_sequences(seqs, online_traits=True)
    np.testing.assert_allclose(np.concatenate([p[:FIRST_CHECKPOINT] for p in online]), population, atol=1e-6)
    later = np.concatenate([p[FIRST_CHECKPOINT:] for p in online])
    assert np.abs(later - np.concatenate([p[FIRST_CHECKPOINT:] for p in fitted.filter_sequences(seqs)])).max() > 1e-3
