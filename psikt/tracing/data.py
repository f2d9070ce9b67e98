"""Reading the interaction log (see ../shared/data/README.md) into per-learner sequences.

The log is the only input format the package accepts: gzip or plain CSV with the columns
``learner_id, item_id, kc_ids, correct, timestamp, fold``. Malformed files raise ``LogFormatError``
naming the file and the 1-based line, because a silent skip would change every reported metric.

An item id that appears with different ``kc_ids`` on different rows (synthetic5 reuses ids across
its simulated versions) is read as distinct items, named ``item[kc;kc]`` after the first.
"""
from __future__ import annotations

import csv
import gzip
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REQUIRED_COLUMNS = ("learner_id", "item_id", "kc_ids", "correct", "timestamp", "fold")
SECONDS_PER_DAY = 86400.0


class LogFormatError(ValueError):
    """A malformed interaction log; the message names the file and the line."""


@dataclass
class Sequence:
    """One learner's answers in order. ``times`` are seconds, or NaN when the log has no clock."""

    learner: str
    fold: int
    items: list[str]
    kcs: list[tuple[str, ...]]
    correct: np.ndarray
    times: np.ndarray

    def __len__(self) -> int:
        return len(self.items)


@dataclass
class Log:
    """All sequences of a log plus its vocabularies (first-seen order, so ids are reproducible)."""

    sequences: list[Sequence]
    path: str = ""
    items: list[str] = field(default_factory=list)
    kcs: list[str] = field(default_factory=list)
    item_kcs: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self):
        if not self.items:
            for seq in self.sequences:
                for item, kcs in zip(seq.items, seq.kcs):
                    if item not in self.item_kcs:
                        self.item_kcs[item] = kcs
                        self.items.append(item)
            seen = set()
            for item in self.items:
                for kc in self.item_kcs[item]:
                    if kc not in seen:
                        seen.add(kc)
                        self.kcs.append(kc)

    @property
    def has_time(self) -> bool:
        return any(not np.isnan(s.times).all() for s in self.sequences)

    @property
    def folds(self) -> list[int]:
        return sorted({s.fold for s in self.sequences if s.fold != 0})

    def subset(self, keep) -> Log:
        """Sequences for which ``keep(seq)`` holds; vocabularies are recomputed from them."""
        return Log([s for s in self.sequences if keep(s)], path=self.path)

    @property
    def n_answers(self) -> int:
        return sum(len(s) for s in self.sequences)


def _open(path: Path):
    with open(path, "rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rt", newline="")
    return open(path, newline="")


def load_log(path) -> Log:
    """Read an interaction log; raise ``LogFormatError`` (file and line) on any malformed row."""
    path = Path(path)
    with _open(path) as fh:
        reader = csv.reader(fh)
        try:
            header = next(reader)
        except StopIteration:
            raise LogFormatError(f"{path}:1: empty file, expected header {','.join(REQUIRED_COLUMNS)}") from None
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            raise LogFormatError(f"{path}:1: missing column(s) {', '.join(missing)}")
        col = {c: header.index(c) for c in REQUIRED_COLUMNS}
        sequences: list[Sequence] = []
        rows: dict[str, list] = {}
        current = None
        first_kcs: dict[str, tuple[str, ...]] = {}
        last_time: dict[str, float] = {}
        for line_no, row in enumerate(reader, start=2):
            if not row:
                continue
            if len(row) < len(header):
                raise LogFormatError(f"{path}:{line_no}: expected {len(header)} fields, got {len(row)}")
            learner = row[col["learner_id"]]
            correct = row[col["correct"]].strip()
            if correct not in ("0", "1"):
                raise LogFormatError(f"{path}:{line_no}: correct must be 0 or 1, got {correct!r}")
            kcs = tuple(k for k in row[col["kc_ids"]].split(";") if k)
            if not kcs:
                raise LogFormatError(f"{path}:{line_no}: empty kc_ids")
            ts_raw = row[col["timestamp"]].strip()
            try:
                ts = float(ts_raw) if ts_raw else float("nan")
                fold = int(row[col["fold"]])
            except ValueError as exc:
                raise LogFormatError(f"{path}:{line_no}: {exc}") from None
            if learner != current:
                if learner in rows:
                    raise LogFormatError(f"{path}:{line_no}: rows of learner {learner!r} are not contiguous")
                rows[learner] = [fold, [], [], [], []]
                current = learner
            rec = rows[learner]
            # Blank timestamps are allowed (a log without a clock), but time never runs backwards
            # across them: compare with the learner's last answer that has a time.
            if not np.isnan(ts):
                if ts < last_time.get(learner, ts):
                    raise LogFormatError(
                        f"{path}:{line_no}: timestamp {ts} is earlier than the previous answer of learner {learner!r}"
                    )
                last_time[learner] = ts
            item = row[col["item_id"]]
            if first_kcs.setdefault(item, kcs) != kcs:
                item = f"{item}[{';'.join(kcs)}]"
            rec[1].append(item)
            rec[2].append(kcs)
            rec[3].append(int(correct))
            rec[4].append(ts)
    for learner, (fold, items, kcs, correct, times) in rows.items():
        sequences.append(Sequence(learner, fold, items, kcs, np.array(correct, dtype=np.int64), np.array(times)))
    return Log(sequences, path=str(path))


def write_log(log: Log, path) -> None:
    """Write sequences in the interaction-log format (used for simulated data)."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wt", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(REQUIRED_COLUMNS)
        for s in log.sequences:
            for item, kcs, y, t in zip(s.items, s.kcs, s.correct, s.times):
                w.writerow([s.learner, item, ";".join(kcs), int(y), "" if np.isnan(t) else repr(float(t)), s.fold])


def kc_level(log: Log) -> Log:
    """The skill-level view of a log: every answer's item replaced by its KC set (``kc:a;b``).

    Answers to different items on the same KCs become answers to one item, so no model can use
    an item difficulty finer than the KC set, as in public KT logs where each item is its own skill.
    """
    return Log([Sequence(s.learner, s.fold, ["kc:" + ";".join(kcs) for kcs in s.kcs], list(s.kcs),
                         s.correct, s.times) for s in log.sequences], path=log.path)
