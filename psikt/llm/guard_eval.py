"""Precision and recall of the answer-leak guard on teacher utterances from MathDial.

    python -m psikt.llm.guard_eval [--data ../shared/data/mathdial/test.jsonl.gz] [--json] [--errors dev]

The development set is built at run time from MathDial's test split (Macina et al., EMNLP Findings
2023, CC BY-SA 4.0; read from ../shared/data, never copied in bulk): every teacher utterance of every
dialogue, labelled "reveals the final answer" (yes/no) deterministically from the teacher's move and
the worked solution's final answer:

- excluded: the answer's value is already in the dialogue (an earlier student or teacher turn said it),
  so nothing is left to reveal ("Yes, that's it" after the student's 10);
- yes: a Telling move whose text holds the answer's value (digits, separators, currency, number words)
  and the problem does not show that value as a given quantity;
- no: any move whose text does not hold the answer's value;
- otherwise ambiguous (a Focus/Probing/Generic move with the value, or the value is also a given
  quantity): labelled by hand in psikt/llm/data/guard_dev_labels.jsonl (CC BY-SA 4.0, see its README), or
  excluded when not labelled there.

Problems are split by question id (every dialogue of a question on the same side) into a tuning part
and a held-out part (a third of the questions, by a hash of the id); the split was fixed before the
guard was tuned and only the tuning part's errors were read.

The guard for an utterance is the one the web app builds for a wrong-answer turn: the final answer
protected, the problem, the student's written solution and turns so far as allowed text, the student's incorrect final
answer as `learner_answer`, no reveal; confirmations are allowed here, since MathDial's teachers
confirm correct intermediate work (the confirm check is tested apart, in tests/llm).
"""

import argparse
import gzip
import hashlib
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from psikt.checking import AnswerSpec

from .guard import Guard, split_sentences
from .numbers import mentions, value_of

MATHDIAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "mathdial" / "test.jsonl.gz"
HAND_LABELS = Path(__file__).resolve().parent / "data" / "guard_dev_labels.jsonl"
TUNING, HELD_OUT = "tuning", "held_out"
_TURN = re.compile(r"^(Teacher|Student):\s*(?:\((\w+)\))?(.*)$", re.DOTALL)


@dataclass(frozen=True)
class Utterance:
    key: str  # "<line>:<turn>" in the test split
    qid: str
    part: str
    move: str
    text: str
    answer: str
    learner_answer: str
    allowed_text: str
    label: bool | None  # None: ambiguous, not hand-labelled
    rule: str  # how the label was decided


def part_of(qid: str) -> str:
    return HELD_OUT if int(hashlib.sha256(str(qid).encode()).hexdigest(), 16) % 3 == 0 else TUNING


def final_value(solution: str) -> str:
    last = solution.strip().splitlines()[-1].strip().rstrip(".")
    value = value_of(last)
    return str(value) if value is not None else ""


def _has_value(text: str, value) -> bool:
    return any(value in m.values[:1] for m in mentions(text))


def read_hand_labels(path: Path = HAND_LABELS) -> dict[str, bool]:
    if not path.is_file():
        return {}
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {row["key"]: row["reveals"] for row in rows}


def utterances(path: Path, hand: dict[str, bool] | None = None) -> list[Utterance]:
    hand = read_hand_labels() if hand is None else hand
    rows: list[Utterance] = []
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line_no, line in enumerate(lines):
            row = json.loads(line)
            answer, wrong = final_value(row["ground_truth"]), final_value(row["student_incorrect_solution"])
            if not answer:
                continue
            value = value_of(answer)
            given = _has_value(row["question"], value)
            said, student_text = False, []
            for turn_no, turn in enumerate(row["conversation"].split("|EOM|")):
                match = _TURN.match(turn.strip())
                if not match:
                    continue
                speaker, move, text = match[1], (match[2] or "").lower(), match[3].strip()
                if speaker == "Student":
                    student_text.append(text)
                    said = said or _has_value(text, value)
                    continue
                key = f"{line_no}:{turn_no}"
                has = _has_value(text, value)
                if said:
                    label, rule = None, "excluded: answer already in the dialogue"
                elif not has:
                    label, rule = False, "no: value absent"
                elif move == "telling" and not given:
                    label, rule = True, "yes: telling with the value"
                elif key in hand:
                    label, rule = hand[key], "hand"
                else:
                    label, rule = None, "excluded: ambiguous, not hand-labelled"
                said = said or has
                rows.append(Utterance(
                    key, str(row["qid"]), part_of(row["qid"]), move, text, answer, wrong,
                    " ".join([row["question"], row["student_incorrect_solution"], *student_text]), label, rule,
                ))
    return rows


def guard_for(utterance: Utterance) -> Guard:
    return Guard([AnswerSpec("numeric", utterance.answer)], allowed_text=utterance.allowed_text,
                 learner_answer=utterance.learner_answer, confirms_allowed=True)


def flagged(utterance: Utterance) -> bool:
    guard = guard_for(utterance)
    return any(not guard.sentence(sentence).ok and guard.sentence(sentence).reason != "format"
               for sentence in split_sentences(utterance.text))


def score(rows: list[Utterance]) -> dict:
    tp = fp = fn = tn = 0
    errors = []
    for row in rows:
        predicted = flagged(row)
        tp += predicted and row.label
        fp += predicted and not row.label
        fn += (not predicted) and row.label
        tn += (not predicted) and not row.label
        if predicted != row.label:
            errors.append({"key": row.key, "label": row.label, "move": row.move, "answer": row.answer,
                           "learner_answer": row.learner_answer, "text": row.text})
    return {
        "utterances": len(rows), "reveals": tp + fn, "tp": tp, "fp": fp, "fn": fn, "tn": tn,
        "precision": round(tp / (tp + fp), 3) if tp + fp else None,
        "recall": round(tp / (tp + fn), 3) if tp + fn else None,
        "errors": errors,
    }


def evaluate(path: Path) -> dict:
    rows = utterances(path)
    labelled = [row for row in rows if row.label is not None]
    rules: dict[str, int] = {}
    for row in rows:
        rules[row.rule] = rules.get(row.rule, 0) + 1
    return {
        "teacher_utterances": len(rows), "labels": rules,
        TUNING: score([row for row in labelled if row.part == TUNING]),
        HELD_OUT: score([row for row in labelled if row.part == HELD_OUT]),
    }


def table(result: dict) -> str:
    lines = [
        "psikt.llm.guard_eval: MathDial test split, teacher utterances labelled 'reveals the final answer'",
        f"teacher utterances {result['teacher_utterances']}: "
        + ", ".join(f"{rule} {n}" for rule, n in sorted(result["labels"].items())),
        "",
        f"{'part':<10}{'n':>6}{'reveals':>9}{'tp':>5}{'fp':>5}{'fn':>5}{'precision':>11}{'recall':>8}",
    ]
    for part in (TUNING, HELD_OUT):
        s = result[part]
        lines.append(f"{part:<10}{s['utterances']:>6}{s['reveals']:>9}{s['tp']:>5}{s['fp']:>5}{s['fn']:>5}"
                     f"{_fmt(s['precision']):>11}{_fmt(s['recall']):>8}")
    return "\n".join(lines)


def _fmt(value) -> str:
    return "-" if value is None else f"{value:.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m psikt.llm.guard_eval", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=MATHDIAL, help="MathDial test.jsonl.gz")
    parser.add_argument("--json", action="store_true", help="the figures as JSON (errors left out)")
    parser.add_argument("--errors", choices=(TUNING, HELD_OUT), help="print that part's misjudged utterances")
    args = parser.parse_args(argv)
    if not args.data.is_file():
        print(f"MathDial test split not found at {args.data} (see ../shared/data/README.md)", file=sys.stderr)
        return 2
    result = evaluate(args.data)
    if args.errors:
        for error in result[args.errors]["errors"]:
            print(json.dumps(error))
        return 0
    if args.json:
        print(json.dumps({k: ({**v, "errors": len(v["errors"])} if isinstance(v, dict) and "errors" in v else v)
                          for k, v in result.items()}, indent=1))
    else:
        print(table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
