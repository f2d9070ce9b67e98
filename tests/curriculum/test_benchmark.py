import json

import numpy as np
import pytest

from psikt.curriculum.benchmark import main, paired_ci

KEYS = {"family", "scenario", "horizon", "planner", "posttest", "posttest_ci", "delta_vs_random", "delta_vs_mastery",
        "delta_vs_mastery_ci", "aulc", "items_to_mastery", "waste", "retention"}


def test_paired_ci_brackets_the_mean_and_collapses_on_constants():
    rng = np.random.default_rng(0)
    lo, hi = paired_ci(np.array([0.1, 0.2, 0.3, 0.4]), rng)
    assert 0.1 <= lo < 0.25 < hi <= 0.4
    assert paired_ci(np.full(5, 0.3), rng) == pytest.approx([0.3, 0.3])


def test_cli_writes_the_specified_json(tmp_path, capsys):
    out = tmp_path / "b.json"
    main(["--families", "F1", "--scenarios", "S1,S6", "--learners", "3", "--planners", "random,mastery",
          "--seeds", "101,102", "--courses", "2", "--json", str(out)])
    data = json.loads(out.read_text())
    cells = data["cells"]
    assert data["protocol"]["seed_set"] == "heldout" and data["protocol"]["shuffled"]
    assert {(c["scenario"], c["horizon"]) for c in cells} == {("S1", 150), ("S6", 50), ("S6", 300)}
    assert all(c["courses"] == 4 and c["learners"] == 3 for c in cells)
    assert {c["planner"] for c in cells} == {"random", "mastery", "oracle"}
    for c in cells:   # every cell carries the bound, above every policy, the greedy oracle included
        assert c["bound"] >= c["posttest"] and c["gap_to_bound"] == pytest.approx(c["bound"] - c["posttest"])
    assert "NaN" not in out.read_text()   # the dashboard stores the cells in PostgreSQL's jsonb
    for c in cells:
        assert KEYS <= set(c)
    mastery = next(c for c in cells if c["planner"] == "mastery" and c["horizon"] == 150)
    assert mastery["delta_vs_mastery"] == 0.0
    assert "d_vs_mastery" in capsys.readouterr().out


def test_cli_rejects_unknown_names():
    with pytest.raises(SystemExit):
        main(["--planners", "nope"])


@pytest.mark.parametrize("args", [
    ["--learners", "0"], ["--seeds", "-1"], ["--seeds", "x"], ["--courses", "0"], ["--planners", "adaptive", "--pilot", "0"],
    ["--json", "/nonexistent/folder/out.json"],
])
def test_cli_refuses_bad_settings_before_running(args, capsys):
    with pytest.raises(SystemExit) as ended:
        main(["--families", "F1", "--scenarios", "S1", *args])
    assert ended.value.code == 2 and "episodes" not in capsys.readouterr().err


def test_headline_pairs_adaptive_with_its_prior_tracer_and_adjusts_for_multiplicity(tmp_path, capsys):
    out = tmp_path / "h.json"
    main(["--families", "F1", "--scenarios", "S2", "--learners", "2", "--pilot", "2", "--seeds", "0", "--courses", "1",
          "--planners", "mastery,adaptive", "--json", str(out)])
    data = json.loads(out.read_text())
    assert {c["planner"] for c in data["cells"]} == {"mastery", "adaptive", "adaptive_prior", "oracle"}
    rows = data["headline"]
    assert [r["comparison"] for r in rows] == ["adaptive - mastery", "tracer share (adaptive - adaptive_prior)"]
    assert all(r["level"] == pytest.approx(1 - 0.05 / 2) for r in rows)
    assert "Headline (dev seeds; Bonferroni over 2 comparisons" in capsys.readouterr().out


def test_old_protocol_teaches_each_seed_s_one_course_in_layer_order(tmp_path):
    out = tmp_path / "o.json"
    main(["--families", "F1", "--scenarios", "S1", "--learners", "2", "--planners", "fixed_order", "--seeds", "1",
          "--old-protocol", "--json", str(out)])
    data = json.loads(out.read_text())
    assert not data["protocol"]["shuffled"] and data["cells"][0]["courses"] == 1


def test_combine_adjusts_over_the_comparisons_of_every_run(tmp_path, capsys):
    rng = np.random.default_rng(0)
    paths = []
    for family in ("F1", "F4"):
        cells = {f"{family} S1 150": {p: rng.normal(0.5, 0.1, (3, 4)).tolist()
                                      for p in ("mastery", "fixed_order", "adaptive", "adaptive_prior")}}
        path = tmp_path / f"{family}.json"
        path.write_text(json.dumps({"protocol": {"seed_set": "heldout"}, "cells": [], "posttests": cells}))
        paths.append(str(path))
    rows = main(["--combine", *paths])
    assert len(rows) == 6 and {r["family"] for r in rows} == {"F1", "F4"}
    assert all(r["level"] == pytest.approx(1 - 0.05 / 6) for r in rows)
    assert "Bonferroni over 6 comparisons" in capsys.readouterr().out


def test_combine_puts_the_courses_of_runs_on_other_seeds_side_by_side(tmp_path, capsys):
    def run(name, policies):
        path = tmp_path / name
        path.write_text(json.dumps({"protocol": {"seed_set": "heldout"}, "cells": [], "posttests": {
            "F1 S1 150": {p: np.full((2, 3), value).tolist() for p, value in policies.items()}}}))
        return str(path)

    rows = main(["--combine", run("101.json", {"mastery": 0.5, "rollout": 0.6}),
                 run("102.json", {"mastery": 0.5, "rollout": 0.8})])
    assert [r["comparison"] for r in rows] == ["rollout - mastery"]
    assert rows[0]["mean"] == pytest.approx(0.2) and rows[0]["ci"][0] == pytest.approx(0.1)
    assert "F1 S1 N=150 (4 courses x 3 learners)" in capsys.readouterr().out
    # A run without rollout would leave rollout with fewer courses than mastery: refused, not misread.
    with pytest.raises(SystemExit, match="different policies, courses or learners"):
        main(["--combine", run("a.json", {"mastery": 0.5, "rollout": 0.6}), run("b.json", {"mastery": 0.5})])
