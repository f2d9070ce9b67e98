"""Converters between the tracer's interaction log (psikt.tracing.data) and two formats researchers bring:

- pyKT's question-level sequence CSV (``train_valid_quelevel.csv``, ``test_quelevel.csv``): one row per
  learner (a long learner may span several consecutive rows), comma-separated ``questions``, ``concepts``
  (a question's concepts joined by ``_``), ``responses``, optional ``timestamps`` (milliseconds) and
  ``selectmasks`` (-1 marks padding); ``fold`` 0-4, or -1 in the test file.
- pyBKT's rows: one row per (answer, skill) with ``order_id``, ``user_id``, ``skill_name``,
  ``correct`` and ``problem_id`` (pyBKT repeats a multi-skill answer once per skill; the rows of one
  answer share its ``order_id``, and are folded back into one answer here: scoring each copy would
  inflate AUC, see ../shared/data/README.md).

Folds: pyKT's 0-4 are the log's 1-5; pyKT's -1 (test) and a log's 0 (training only) have no
counterpart, so those learners get the fold given by ``test_fold`` / are written as pyKT fold 0.
pyBKT has no folds: learners get a fold 1-5 from a hash of their id (stable across runs).

    python -m psikt.tracing.interchange from-pykt IN.csv OUT.csv.gz [--test-fold F]
    python -m psikt.tracing.interchange to-pykt LOG OUT.csv
    python -m psikt.tracing.interchange from-pybkt IN.csv OUT.csv.gz
    python -m psikt.tracing.interchange to-pybkt LOG OUT.csv

Malformed input raises LogFormatError naming the file and the line.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import sys
from pathlib import Path

import numpy as np

from .data import Log, LogFormatError, Sequence, _open, load_log, write_log

PYKT_COLUMNS = ("fold", "uid", "questions", "concepts", "responses")
PYBKT_COLUMNS = ("order_id", "user_id", "skill_name", "correct")


def hashed_fold(learner: str) -> int:
    """A fold 1-5 from the learner id, the same on every run and machine."""
    return 1 + int(hashlib.sha256(learner.encode()).hexdigest(), 16) % 5


def _rows(path: Path, required: tuple[str, ...]):
    """(line number, row as a dict) of a CSV file with a header naming at least `required`."""
    with _open(path) as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise LogFormatError(f"{path}:1: missing column(s) {', '.join(missing)}; expected {', '.join(required)}")
        for row in reader:
            yield reader.line_num, row


def _list(path: Path, line: int, row: dict, column: str) -> list[str]:
    value = row.get(column)
    if value is None or value == "":
        raise LogFormatError(f"{path}:{line}: empty {column}")
    return value.split(",")


def _int(path: Path, line: int, column: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise LogFormatError(f"{path}:{line}: {column} must be an integer, not {value!r}") from None


def from_pykt(path, *, test_fold: int = 0) -> Log:
    path = Path(path)
    learners: dict[str, list] = {}  # uid -> [fold, items, kcs, correct, times]
    for line, row in _rows(path, PYKT_COLUMNS):
        uid, fold = row["uid"], _int(path, line, "fold", row["fold"])
        columns = {name: _list(path, line, row, name) for name in ("questions", "concepts", "responses")}
        for optional in ("timestamps", "selectmasks"):
            if row.get(optional) not in (None, "", "NA"):
                columns[optional] = row[optional].split(",")
        lengths = {name: len(values) for name, values in columns.items()}
        if len(set(lengths.values())) != 1:
            raise LogFormatError(f"{path}:{line}: lists of different lengths {lengths}")
        entry = learners.setdefault(uid, [test_fold if fold == -1 else fold + 1, [], [], [], []])
        masks, stamps = columns.get("selectmasks"), columns.get("timestamps")
        for n, (question, concepts, response) in enumerate(zip(columns["questions"], columns["concepts"],
                                                                columns["responses"])):
            if response == "-1" or (masks and masks[n] == "-1"):
                continue  # pyKT's padding
            if response not in ("0", "1"):
                raise LogFormatError(f"{path}:{line}: response {n + 1} must be 0 or 1, not {response!r}")
            kcs = tuple(kc for kc in concepts.split("_") if kc)
            if not kcs or question in ("", "-1"):
                raise LogFormatError(f"{path}:{line}: answer {n + 1} has no question or no concept")
            entry[1].append(question)
            entry[2].append(kcs)
            entry[3].append(int(response))
            entry[4].append(_int(path, line, "timestamps", stamps[n]) / 1000.0 if stamps else np.nan)
    return Log([Sequence(uid, fold, items, kcs, np.array(correct, dtype=np.int64), np.array(times, dtype=float))
                for uid, (fold, items, kcs, correct, times) in learners.items()], path=str(path))


def to_pykt(log: Log, path) -> None:
    """One row per learner (no padding: pyKT pads when it loads), question-level."""
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["fold", "uid", "questions", "concepts", "responses", "timestamps"])
        for seq in log.sequences:
            stamps = "" if np.isnan(seq.times).all() else ",".join(
                "-1" if np.isnan(t) else str(round(t * 1000)) for t in seq.times)
            writer.writerow([max(seq.fold - 1, 0), seq.learner, ",".join(seq.items),
                             ",".join("_".join(kcs) for kcs in seq.kcs), ",".join(str(int(y)) for y in seq.correct),
                             stamps])


def from_pybkt(path) -> Log:
    path = Path(path)
    answers: dict[tuple[str, int], list] = {}  # (learner, order_id) -> [item, kcs, correct]
    for line, row in _rows(path, PYBKT_COLUMNS):
        learner, order = row["user_id"], _int(path, line, "order_id", row["order_id"])
        correct = row["correct"]
        if correct not in ("0", "1"):
            raise LogFormatError(f"{path}:{line}: correct must be 0 or 1, not {correct!r}")
        if not row["skill_name"]:
            raise LogFormatError(f"{path}:{line}: empty skill_name")
        answer = answers.setdefault((learner, order), [row.get("problem_id") or f"skill:{row['skill_name']}", [],
                                                        int(correct)])
        if answer[2] != int(correct):
            raise LogFormatError(f"{path}:{line}: order_id {order} of {learner!r} is both right and wrong")
        answer[1].append(row["skill_name"])
    learners: dict[str, list] = {}
    for (learner, _order), (item, kcs, correct) in sorted(answers.items(), key=lambda pair: (pair[0][1], pair[0][0])):
        entry = learners.setdefault(learner, [[], [], []])
        entry[0].append(item)
        entry[1].append(tuple(kcs))
        entry[2].append(correct)
    return Log([Sequence(learner, hashed_fold(learner), items, kcs, np.array(correct, dtype=np.int64),
                         np.full(len(items), np.nan)) for learner, (items, kcs, correct) in learners.items()],
               path=str(path))


def to_pybkt(log: Log, path) -> None:
    """One row per (answer, KC); the rows of one answer share its order_id."""
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["order_id", "user_id", "skill_name", "correct", "problem_id"])
        order = 0
        for seq in log.sequences:
            for item, kcs, correct in zip(seq.items, seq.kcs, seq.correct):
                order += 1
                for kc in kcs:
                    writer.writerow([order, seq.learner, kc, int(correct), item])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m psikt.tracing.interchange", description=__doc__.split("\n\n")[0])
    parser.add_argument("direction", choices=["from-pykt", "to-pykt", "from-pybkt", "to-pybkt"])
    parser.add_argument("source")
    parser.add_argument("target")
    parser.add_argument("--test-fold", type=int, default=0, help="the log fold of pyKT's test rows (fold -1); default 0")
    args = parser.parse_args(argv)
    try:
        if args.direction == "from-pykt":
            log = from_pykt(args.source, test_fold=args.test_fold)
        elif args.direction == "from-pybkt":
            log = from_pybkt(args.source)
        else:
            log = load_log(args.source)
        {"from-pykt": write_log, "from-pybkt": write_log, "to-pykt": to_pykt, "to-pybkt": to_pybkt}[args.direction](
            log, args.target)
    except (LogFormatError, OSError) as error:
        print(f"python -m psikt.tracing.interchange: {error}", file=sys.stderr)
        return 2
    print(f"{args.target}: {len(log.sequences)} learners, {log.n_answers} answers", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
