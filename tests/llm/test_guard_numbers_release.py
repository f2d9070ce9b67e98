"""The guard on realistic text (issue 17, item 4): numbers compared by value, another quantity told
apart from the answer, and the release check on confirmations and stated answers, right or wrong."""

import asyncio
import dataclasses
import gzip
import json
from fractions import Fraction
from pathlib import Path

import pytest

from psikt.checking import AnswerSpec
from psikt.llm import guard_eval
from psikt.llm.backends import GenerationRequest
from psikt.llm.guard import Guard, confirms
from psikt.llm.guarded import GuardedReply
from psikt.llm.numbers import mentions, value_of
from psikt.llm.policy import Policy, TurnState
from psikt.llm.prompt import PromptInput, TurnContent, build_prompt

STEPS = Guard([AnswerSpec("numeric", "2000")], allowed_text="Rishi wants to walk 10,000 steps a day. How many are left?")
CAR = Guard([AnswerSpec("numeric", "25000")], allowed_text="A car loses 20% of its value. What is it worth now?")
PRICE = Guard([AnswerSpec("numeric", "300")], allowed_text="A coat costs $250 plus tax. What does it cost?")
TWELVE = Guard([AnswerSpec("numeric", "12")], allowed_text="Tom has 7 apples and buys 5 more. How many now?")
HALF = Guard([AnswerSpec("numeric", "0.5")], allowed_text="What share of the 8 pies is left?")
PCT = Guard([AnswerSpec("numeric", "0.25")], allowed_text="What part of the 12 eggs broke?")
HUNDRED_FIVE = Guard([AnswerSpec("numeric", "105")], allowed_text="How many pages in all?")
# The answer, 12, is also a given quantity: she has 12 spoons when she sets the table.
SPOONS = Guard([AnswerSpec("numeric", "12")], allowed_text="Julia had 12 spoons when she set the table and used 3.")


@pytest.mark.parametrize(
    ("text", "value"),
    [("2,000", 2000), ("$25,000", 25000), ("$300.00", 300), ("12.50", Fraction(25, 2)), ("twelve", 12),
     ("one hundred and five", 105), ("twenty-five", 25), ("a half", Fraction(1, 2)), ("two dozen", 24),
     ("3/4", Fraction(3, 4)), ("2 million", 2_000_000), ("one and a half", Fraction(3, 2)), ("25%", 25)],
)
def test_numbers_are_read_by_value(text, value):
    assert value_of(text) == value


def test_plain_words_are_not_numbers_and_a_percentage_is_also_a_share():
    assert mentions("the first one, a dog and half of them") == []
    assert mentions("4x + 2")[0].values == (2,)  # 4x is a term, not the number 4
    assert mentions("the 20th day") == []
    assert Fraction(1, 4) in mentions("25% of them")[0].values


@pytest.mark.parametrize(
    ("guard", "sentence"),
    [
        (STEPS, "The answer is 2,000."),
        (STEPS, "He has 2,000 steps left."),
        (CAR, "So the car is worth $25,000 now."),
        (PRICE, "With tax it comes to $300.00."),
        (TWELVE, "Tom has twelve apples now."),
        (HUNDRED_FIVE, "There are one hundred and five pages."),
        (HALF, "A half of them are left."),
        (PCT, "So 25% of the eggs broke."),
        (SPOONS, "So it's 12."),  # a given quantity, presented as the result
        (SPOONS, "Add them and you get 12."),
        (SPOONS, "9 + 3 = 12."),
        (SPOONS, "12 is the answer."),
    ],
)
def test_guard_stops_the_answer_however_it_is_written(guard, sentence):
    assert guard.sentence(sentence).reason == "leak"


@pytest.mark.parametrize(
    ("guard", "sentence"),
    [
        (SPOONS, "She had 12 spoons when she set the table."),  # another quantity with the answer's value
        (SPOONS, "Start from the 12 spoons on the table."),
        (STEPS, "Her goal is 10,000 steps."),
        (TWELVE, "Tom starts with seven apples."),
        (PCT, "Think about what 1 out of 12 means."),
        # Fail on the old guard, which compared spellings and took any "makes" as a result:
        (Guard([AnswerSpec("numeric", "2000")], allowed_text="After his jog he had 2,000 steps left."),
         "After the jog he still had 2000 steps to go."),
        (Guard([AnswerSpec("numeric", "12")], allowed_text="Julia had twelve spoons and used three."),
         "Julia had 12 spoons at the table."),
        (Guard([AnswerSpec("numeric", "10")], allowed_text="Jeff makes 10 donuts and eats 1 a day."),
         "Jeff makes 10 - 1 = 9 donuts for sale each day."),
    ],
)
def test_guard_passes_a_given_quantity_mentioned(guard, sentence):
    assert guard.sentence(sentence).ok


LEARNER = dataclasses.replace(TWELVE, learner_answer="14", confirms_allowed=False)


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        ("Yes, 14 is correct.", "confirm"),
        ("That's right!", "confirm"),
        ("Well done.", "confirm"),
        ("The answer to the problem is 14.", "states"),  # the learner's wrong answer given as the answer
        ("So it's 14.", "states"),
    ],
)
def test_release_check_stops_confirming_or_stating_the_learners_answer(sentence, reason):
    assert LEARNER.sentence(sentence).reason == reason


@pytest.mark.parametrize(
    "sentence",
    ["You said 14: how did you get it?", "That's not quite right.", "Is 14 correct?", "Why is your answer 14?",
     "Let's correct the total together.", "You are right to add first."],
)
def test_release_check_passes_reporting_and_questions(sentence):
    assert LEARNER.sentence(sentence).ok


def test_release_check_is_off_for_a_guard_built_the_old_way_and_for_a_confirming_move():
    assert TWELVE.sentence("Yes, 14 is correct.").ok  # no learner_answer: as before
    confirming = dataclasses.replace(LEARNER, confirms_allowed=True)
    assert confirming.sentence("That's right!").ok
    assert confirming.sentence("The answer is 14.").reason == "states"  # still not revealed
    assert dataclasses.replace(confirming, reveal=True).sentence("The answer is 14.").ok
    assert not confirms("Is that right?") and confirms("Exactly right.")


def test_no_number_is_given_as_the_answer_before_the_move_reveals():
    """SmolLM2's favourite reply, with a number that is neither the answer nor the learner's."""
    assert TWELVE.sentence("The answer to the problem is 13.").reason == "states"
    assert TWELVE.sentence("You said the answer is 13, so check it.").ok
    assert dataclasses.replace(TWELVE, reveal=True).sentence("The answer to the problem is 13.").ok


def test_stored_turns_rebuild_the_guard_positionally():
    stored = Guard([AnswerSpec("numeric", "12")], "problem", False, 60)
    assert stored.learner_answer == "" and stored.confirms_allowed and not stored.asks


def test_a_probing_move_must_ask():
    probing = dataclasses.replace(TWELVE, asks=True)
    assert probing.reply("Good effort. The apples matter.").reason == "move"
    assert probing.reply("Good effort. How many did Tom buy?").ok
    assert probing.reply("Count the apples Tom buys.").reason == "move"  # an instruction asks no question
    assert TWELVE.reply("Good effort.").ok


class _Scripted:
    name, model = "scripted", "scripted"

    def __init__(self, *replies):
        self.replies = list(replies)

    async def stream(self, request):
        for word in self.replies.pop(0).split(" "):
            yield word + " "


def test_guarded_reply_regenerates_after_a_confirmation_of_a_wrong_answer():
    decision = Policy().decide(TurnState("incorrect", attempts_on_step=1))
    data = PromptInput(decision, TurnContent("Tom has 7 apples and buys 5 more.", "How many now?"), "14", 1)
    request = GenerationRequest(build_prompt(data), data)
    reply = GuardedReply(_Scripted("Yes, 14 is correct.", "Count the apples again."), request, LEARNER)

    async def run():
        return [delta async for delta in reply.deltas()]

    asyncio.run(run())
    assert reply.text == "Count the apples again." and reply.regenerated and not reply.fell_back
    assert reply.verdicts[0] == {"attempt": "first", "ok": False, "reason": "confirm"}


def test_guard_eval_prints_both_parts(tmp_path, capsys):
    """Two hand-written dialogues (not MathDial's): the eval's labels, split and table format."""
    rows = [
        {"qid": qid, "question": "Tom has 7 apples and buys 5 more. How many apples now?",
         "ground_truth": "7+5=12\n 12", "student_incorrect_solution": "7+7=14\n 14",
         "conversation": "Teacher: (probing)How did you get 14?|EOM|Student: I added 7 and 7.|EOM|"
                         "Teacher: (telling)He buys 5, so 7 + 5 = 12 apples.|EOM|Student: 12.|EOM|"
                         "Teacher: (generic)Yes, 12 is right."}
        for qid in range(1, 7)
    ]
    data = tmp_path / "dialogues.jsonl.gz"
    with gzip.open(data, "wt", encoding="utf-8") as out:
        out.write("\n".join(json.dumps(row) for row in rows))
    assert guard_eval.main(["--data", str(data)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("psikt.llm.guard_eval: MathDial test split")
    assert "excluded: answer already in the dialogue 6" in lines[1]
    assert lines[3].split() == ["part", "n", "reveals", "tp", "fp", "fn", "precision", "recall"]
    parts = {line.split()[0]: line.split()[1:] for line in lines[4:]}
    assert set(parts) == {"tuning", "held_out"}
    tuning, held_out = (sum(guard_eval.part_of(q) == p for q in range(1, 7)) for p in ("tuning", "held_out"))
    assert parts["tuning"][:5] == [str(2 * tuning), str(tuning), str(tuning), "0", "0"]
    assert parts["held_out"][:5] == [str(2 * held_out), str(held_out), str(held_out), "0", "0"]
    assert guard_eval.main(["--data", str(data), "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["tuning"]["recall"] in (1.0, None) and figures["tuning"]["errors"] == 0


def test_guard_eval_on_mathdial_meets_the_target():
    # Found from the checkout (beside it, ../shared/data), as these tests also run against the installed
    # package, whose default path (guard_eval.MATHDIAL) is counted from where it is installed.
    mathdial = Path(__file__).resolve().parents[3] / "shared" / "data" / "mathdial" / "test.jsonl.gz"
    if not mathdial.is_file():
        pytest.skip("MathDial test split not in ../shared/data")
    result = guard_eval.evaluate(mathdial)
    for part in (guard_eval.TUNING, guard_eval.HELD_OUT):
        assert result[part]["recall"] >= 0.9 and result[part]["precision"] >= 0.8


class _Agreeable:
    """Confirms the learner's wrong answer first; on the retry, a remark that asks nothing."""

    name, model = "openai", "agreeable"

    async def stream(self, request):
        retry = "Your previous reply stated the answer" in request.prompt.messages[-1]["content"]
        yield "Good effort so far." if retry else f"Yes, {request.data.learner_text} is correct."

    async def complete(self, request):
        return "".join([piece async for piece in self.stream(request)])


def test_smoke_reports_confirmed_answers_and_the_move_check(tmp_path):
    from psikt.llm import smoke

    row = {"qid": 1, "question": "Ann has 3 bags of 4 apples. How many apples does she have?",
           "ground_truth": "3 * 4 = 12\n 12", "student_incorrect_solution": "3 + 4 = 7\n 7",
           "teacher_described_confusion": "adding", "conversation": "Teacher: (focus)How many bags?"}
    data = tmp_path / "test.jsonl.gz"
    with gzip.open(data, "wt", encoding="utf-8") as out:
        out.write(json.dumps(row) + "\n")
    problems, moves = smoke.read_problems(data, 1)

    async def run():
        return [await smoke.run_one(_Agreeable(), problems[0], index, 60) for index in range(2)]

    rows = asyncio.run(run())
    assert [r["raw_tells_learner_answer"] for r in rows] == [True, True]
    # Both replies stopped and replaced by the rule text (its wordings rotate: seek_strategy, then focus).
    assert all(r["sent"].startswith("Here's a hint:") and "7" not in r["sent"] for r in rows)
    summary = smoke.summarise(rows, moves)
    assert summary["fell_back_to_rule_text"] == 2
    assert summary["raw_confirming_or_stating_the_learners_answer"] == 2
    assert summary["learners_answer_confirmed_or_stated_reaching_the_learner"] == 0
    # The model's replies ask nothing; the rule text that replaced them asks.
    assert (summary["raw_failing_the_move_check"], summary["sent_failing_the_move_check"]) == (2, 0)
    assert "raw: confirms or gives an answer" in smoke.table(summary, "header")
