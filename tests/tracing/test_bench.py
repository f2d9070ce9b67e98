"""The speed benchmark CLI runs end to end on a simulated log (no timing is asserted)."""
import json

from psikt.tracing import simulate, write_log
from psikt.tracing.bench import main


def test_bench_fits_saves_and_times_updates(tmp_path, capsys):
    path, ckpt = tmp_path / "sim.csv.gz", tmp_path / "tracer.pt"
    log = simulate(n_learners=30, n_kcs=3, n_items=6, length=10, seed=5).log
    write_log(log, path)
    main(["--data", str(path), "--epochs", "1", "--repeats", "5", "--save", str(ckpt), "--batch-answers", "64",
          "--max-batch", "8"])
    out = capsys.readouterr().out
    report = json.loads(out[out.index("{\n") :])
    assert (report["answers"], report["learners"], report["kcs"], report["epochs_run"]) == (300, 30, len(log.kcs), 1)
    assert (report["batch_answers"], report["max_batch"]) == (64, 8)
    assert 0 < report["fit_cpu_seconds"] and len(report["load_average_before"]) == len(report["load_average_after"]) == 3
    assert ckpt.exists()
    for history in (10, 1000):
        timing = report[f"update_history_{history}"]
        assert set(timing) == {"median_ms", "p99_ms", "mean_with_json_ms"}
        assert timing["p99_ms"] >= timing["median_ms"] > 0
