"""The answer-leak smoke run (spec "Evaluation of tutor output"): does a backend state the answer when
the move is not Telling, and does the guard stop it before the learner sees it?

    python -m psikt.llm.smoke --problems 50 [--backend local|rule|openai] [--json]

Problems are MathDial's test split (Macina et al., EMNLP Findings 2023; CC BY-SA 4.0), read from
../shared/data at run time and never copied: the question, the answer (last line of the worked
solution) and a real student's incorrect answer as the learner's text. Every problem gets one
wrong-answer turn; the turn state cycles through the four non-Telling moves the policy makes after a
wrong answer (pointing hint, teaching hint, asking for an explanation, self-correction of a named
confusion). Each turn is generated twice: RAW (the backend's reply, no guard) and GUARDED (the path
the web app uses: sentence guard, one regeneration, rule fallback). A leak is what the guard's own
detector finds: the answer by value or by an equivalent expression.

The guard knows the learner's wrong answer: a reply that confirms it ("Yes, 14 is correct") or gives
it, or any number, as the answer ("The answer to the problem is 14") is stopped like a leak and
counted apart. A reply that does not perform the move fails the move check: a probing reply that
asks no question, or a hint that says the step is done; the guarded path replaces it with the rule
text (counted with the other replacements, "fell back to the rule text").

Exit status 1 when any leak, confirmation, stated learner's answer or failed move check reached the
learner, 2 when the run could not start.
"""

import argparse
import asyncio
import gzip
import json
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from psikt.checking import AnswerSpec

from .backends import GenerationRequest
from .cli import Unavailable, add_backend_arguments, fail, make_backend
from .guard import Guard, split_sentences
from .guarded import REGENERATED, GuardedReply
from .moves import CATEGORY_OF, Category, Intent
from .policy import INCORRECT, MISCONCEPTION, Policy, TurnState
from .prompt import PromptInput, TurnContent, build_prompt

MATHDIAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "mathdial" / "test.jsonl.gz"
STEP = "What is the answer to the problem?"
# MathDial has no hint ladder; these stand for a pack's pointing and teaching hints.
HINTS = {
    1: "Read the question again: which quantity does it ask for, and which numbers lead to it?",
    2: "Work one step at a time: write what each number stands for, then combine them in the order the story happens.",
}
# The wrong-answer turn states, in rotation: each gives a different non-Telling move.
STATES = (
    TurnState(INCORRECT, hint_level=0, attempts_on_step=1),  # seek_strategy, pointing hint
    TurnState(INCORRECT, hint_level=1, attempts_on_step=2),  # guiding_student_focus, teaching hint
    TurnState(INCORRECT, hint_level=2, attempts_on_step=1),  # asking_for_explanation (too early to tell)
    TurnState(MISCONCEPTION, attempts_on_step=1),  # seeking_self_correction, naming the confusion
)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


@dataclass(frozen=True)
class Problem:
    qid: str
    question: str
    answer: str
    wrong: str
    confusion: str  # the teacher's description of the student's confusion


def _final_number(solution: str) -> str:
    last = solution.strip().splitlines()[-1].replace(",", "").replace("$", "").strip().rstrip(".")
    return last if _NUMBER.fullmatch(last) else ""


def read_problems(path: Path, limit: int) -> tuple[list[Problem], Counter]:
    """The first `limit` usable distinct problems, in file order (the split has several dialogues per
    question; the first one's student answer is used), and the teacher-move counts of all dialogues."""
    problems, teacher_moves, seen = [], Counter(), set()
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            teacher_moves.update(re.findall(r"Teacher: \((focus|probing|telling|generic)\)", row["conversation"]))
            answer, wrong = _final_number(row["ground_truth"]), _final_number(row["student_incorrect_solution"])
            usable = answer and wrong and float(answer) != float(wrong) and row["qid"] not in seen
            if len(problems) < limit and usable:
                seen.add(row["qid"])
                problems.append(Problem(str(row["qid"]), row["question"], answer, wrong,
                                        row.get("teacher_described_confusion") or ""))
    return problems, teacher_moves


def prepare(problem: Problem, index: int, max_tokens: int) -> tuple[GenerationRequest, Guard]:
    state = STATES[index % len(STATES)]
    decision = Policy().decide(state)
    if decision.category is Category.TELLING:
        raise AssertionError("the smoke run measures moves that must not reveal the answer")
    content = TurnContent(
        problem=problem.question, step_prompt=STEP, hint=HINTS.get(decision.hint_level, ""),
        misconception_feedback=f"It looks like a slip: {problem.confusion}." if state.outcome == MISCONCEPTION else "",
    )
    data = PromptInput(decision, content, problem.wrong, attempts_on_step=state.attempts_on_step)
    # The guard a wrong-answer turn gets (as in the web turn): the learner's (wrong) answer may be neither
    # confirmed nor stated as the answer, a hint never says the step is done, and a probing move asks.
    guard = Guard([AnswerSpec("numeric", problem.answer)], allowed_text=f"{problem.question} {STEP}",
                  learner_answer=problem.wrong, confirms_allowed=False, asks=decision.must_ask)
    return GenerationRequest(build_prompt(data), data, max_tokens=max_tokens), guard


def _numbers(text: str) -> set[float]:
    return {float(n) for n in _NUMBER.findall(text.replace(",", ""))}


def leaks(guard: Guard, text: str) -> bool:
    return any(guard.leaks(sentence) for sentence in split_sentences(text))


def tells_learner_answer(guard: Guard, text: str) -> bool:
    """Whether the text confirms the learner's wrong answer or gives it, or any number, as the answer
    ("Yes, 14 is correct", "The answer to the problem is 14"): the release check's reasons."""
    return any(guard.sentence(sentence).reason in ("confirm", "states") for sentence in split_sentences(text))


async def run_one(backend, problem: Problem, index: int, max_tokens: int) -> dict:
    request, guard = prepare(problem, index, max_tokens)
    started = time.perf_counter()
    raw = await backend.complete(request)
    raw_seconds = time.perf_counter() - started
    reply = GuardedReply(backend, request, guard)
    deltas = [delta async for delta in reply.deltas()]
    return {
        "qid": problem.qid, "answer": problem.answer, "learner_text": problem.wrong,
        "move": request.data.decision.intent.value, "raw": raw, "raw_leaks": leaks(guard, raw),
        # The answer's value in the reply where the problem shows it too ("$40 per tire", answer 40): a
        # leak only when the reply gives it as the answer, so such replies are counted apart as well.
        "raw_value_shown_in_problem": _numbers(problem.answer) <= _numbers(raw) & _numbers(problem.question),
        "raw_tells_learner_answer": tells_learner_answer(guard, raw), "raw_fails_move": not guard.performs_move(raw),
        "raw_seconds": round(raw_seconds, 3), "sent": reply.text,
        # What the learner received, delta by delta, checked again with the same detector.
        "sent_leaks": leaks(guard, "".join(deltas)),
        "sent_tells_learner_answer": tells_learner_answer(guard, "".join(deltas)),
        "sent_fails_move": not guard.performs_move("".join(deltas)),
        "first_stopped": any(v["attempt"] == "first" and not v["ok"] for v in reply.verdicts),
        "regenerated": reply.regenerated, "regenerated_clean": reply.regenerated and not reply.fell_back
        and any(v["attempt"] == REGENERATED and v["ok"] for v in reply.verdicts),
        "fell_back": reply.fell_back, "verdicts": reply.verdicts,
    }


def summarise(rows: list[dict], teacher_moves: Counter) -> dict:
    raw_leaks = [row for row in rows if row["raw_leaks"]]
    moves = Counter(row["move"] for row in rows)
    return {
        "problems": len(rows),
        "moves": dict(moves),
        "telling_share": sum(n for move, n in moves.items() if CATEGORY_OF[Intent(move)] is Category.TELLING) / max(len(rows), 1),
        "mathdial_teacher_moves": {move: round(n / sum(teacher_moves.values()), 3) for move, n in teacher_moves.most_common()},
        "raw_replies_stating_the_answer": len(raw_leaks),
        "raw_with_answer_value_the_problem_shows": sum(row["raw_value_shown_in_problem"] for row in rows),
        "stopped_by_the_guard": sum(row["first_stopped"] and not row["sent_leaks"] for row in raw_leaks),
        "regenerated": sum(row["regenerated"] for row in rows),
        "regenerated_clean": sum(row["regenerated_clean"] for row in rows),
        "fell_back_to_rule_text": sum(row["fell_back"] for row in rows),
        "leaks_reaching_the_learner": sum(row["sent_leaks"] for row in rows),
        "raw_confirming_or_stating_the_learners_answer": sum(row["raw_tells_learner_answer"] for row in rows),
        "learners_answer_confirmed_or_stated_reaching_the_learner": sum(row["sent_tells_learner_answer"] for row in rows),
        "raw_failing_the_move_check": sum(row["raw_fails_move"] for row in rows),
        "sent_failing_the_move_check": sum(row["sent_fails_move"] for row in rows),
        "raw_seconds_mean": round(sum(row["raw_seconds"] for row in rows) / max(len(rows), 1), 3),
    }


def table(summary: dict, header: str) -> str:
    n = summary["problems"]
    moves = ", ".join(f"{move} {count}" for move, count in summary["moves"].items())
    reference = ", ".join(f"{move} {share:.0%}" for move, share in summary["mathdial_teacher_moves"].items())
    lines = [
        header,
        f"tutor moves: {moves} (Telling {summary['telling_share']:.0%})",
        f"MathDial teacher moves, all test dialogues (reference): {reference}",
        "",
        f"{'raw replies stating the answer':<40}{summary['raw_replies_stating_the_answer']:>4} / {n}",
        f"{'  stopped by the guard':<40}{summary['stopped_by_the_guard']:>4} / {summary['raw_replies_stating_the_answer']}",
        f"{'regenerated after a stopped sentence':<40}{summary['regenerated']:>4}",
        f"{'  retry clean and sent':<40}{summary['regenerated_clean']:>4}",
        f"{'fell back to the rule text':<40}{summary['fell_back_to_rule_text']:>4}",
        f"{'leaks reaching the learner':<40}{summary['leaks_reaching_the_learner']:>4} / {n}",
        f"{'raw: confirms or gives an answer':<40}{summary['raw_confirming_or_stating_the_learners_answer']:>4} / {n}",
        f"{'  reaching the learner':<40}{summary['learners_answer_confirmed_or_stated_reaching_the_learner']:>4} / {n}",
        f"{'raw: fails the move check':<40}{summary['raw_failing_the_move_check']:>4} / {n}",
        f"{'  reaching the learner':<40}{summary['sent_failing_the_move_check']:>4} / {n}",
        f"{'raw: answer value the problem shows too':<40}{summary['raw_with_answer_value_the_problem_shows']:>4}",
        f"{'raw generation, mean seconds':<40}{summary['raw_seconds_mean']:>8.2f}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m psikt.llm.smoke", description=__doc__.split("\n\n")[0])
    parser.add_argument("--problems", type=int, default=50)
    parser.add_argument("--backend", choices=("local", "rule", "openai"), default="local")
    parser.add_argument("--data", type=Path, default=MATHDIAL, help="MathDial test.jsonl.gz")
    parser.add_argument("--max-new-tokens", type=int, default=60)
    parser.add_argument("--json", action="store_true", help="the summary and every turn as JSON")
    add_backend_arguments(parser)
    args = parser.parse_args(argv)
    if args.problems < 1:
        return fail("--problems must be at least 1")
    if not args.data.is_file():
        return fail(f"MathDial test split not found at {args.data} (see ../shared/data/README.md)")
    try:
        backend = make_backend(args.backend, args)
    except Unavailable as error:
        return fail(str(error))
    problems, teacher_moves = read_problems(args.data, args.problems)

    async def run_all() -> list[dict]:
        if not await backend.health():
            raise Unavailable(f"the {args.backend} backend is not healthy (model missing or server down)")
        return [await run_one(backend, problem, index, args.max_new_tokens)
                for index, problem in enumerate(tqdm(problems, desc="problems", unit="problem", file=sys.stderr))]

    try:
        rows = asyncio.run(run_all())
    except Unavailable as error:
        return fail(str(error))
    summary = summarise(rows, teacher_moves)
    header = (f"psikt.llm.smoke: MathDial test split, first {len(rows)} distinct problems; backend {backend.name}, "
              f"model {backend.model}, max_new_tokens {args.max_new_tokens}")
    if args.json:
        print(json.dumps({"backend": backend.name, "model": backend.model, "summary": summary, "turns": rows}, indent=1))
    else:
        print(table(summary, header))
    reached = (summary["leaks_reaching_the_learner"] + summary["learners_answer_confirmed_or_stated_reaching_the_learner"]
               + summary["sent_failing_the_move_check"])
    return 1 if reached else 0


if __name__ == "__main__":
    sys.exit(main())
