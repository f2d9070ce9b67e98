"""psikt.llm.smoke and psikt.llm.bench on a few hand-written problems in MathDial's format (never the data set)."""

import asyncio
import gzip
import json

import pytest
import torch

from psikt.llm import bench, smoke

from .fake_sse import DONE, Script, event, start

ROWS = [
    {"qid": 1, "question": "Ann has 3 bags of 4 apples. How many apples does she have?",
     "ground_truth": "3 * 4 = 12 apples.\n 12", "student_incorrect_solution": "3 + 4 = 7\n 7",
     "teacher_described_confusion": "adding instead of multiplying",
     "conversation": "Teacher: (focus)How many bags?|EOM|Student: 3|EOM|Teacher: (telling)It is 12."},
    {"qid": 2, "question": "A book costs $1,250 and a pen $50. What do both cost?",
     "ground_truth": "1250 + 50 = 1300\n $1,300", "student_incorrect_solution": "1250 - 50\n 1,200.",
     "teacher_described_confusion": "subtracting", "conversation": "Teacher: (probing)Why subtract?"},
    {"qid": 3, "question": "No number answer here?", "ground_truth": "It depends.",
     "student_incorrect_solution": "5", "teacher_described_confusion": "", "conversation": "Teacher: (generic)Hi"},
    {"qid": 1, "question": "Ann has 3 bags of 4 apples. How many apples does she have?",  # another dialogue
     "ground_truth": "3 * 4 = 12 apples.\n 12", "student_incorrect_solution": "4 + 4 + 4 = 16\n 16",
     "teacher_described_confusion": "", "conversation": "Teacher: (focus)Count again."},
    {"qid": 4, "question": "Tom reads 6 pages a day for 5 days. How many pages?",
     "ground_truth": "6 * 5 = 30\n 30", "student_incorrect_solution": "6 + 5 = 11\n 11",
     "teacher_described_confusion": "adding", "conversation": "Teacher: (focus)Each day?"},
]


@pytest.fixture
def mathdial(tmp_path):
    path = tmp_path / "test.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.writelines(json.dumps(row) + "\n" for row in ROWS)
    return path


class Leaky:
    """States the answer on the first request of each turn, gives a hint on the retry."""

    name, model = "openai", "leaky"

    def __init__(self):
        self.calls = 0

    async def stream(self, request):
        self.calls += 1
        retry = "Your previous reply stated the answer" in request.prompt.messages[-1]["content"]
        answer = "12" if "apples" in request.data.content.problem else "1300"
        yield "Think about equal groups." if retry else f"Good try. The answer is {answer}."

    async def complete(self, request):
        return "".join([piece async for piece in self.stream(request)])

    async def health(self):
        return True


def test_problems_answers_and_teacher_moves_are_read(mathdial):
    problems, teacher_moves = smoke.read_problems(mathdial, 10)
    assert [(p.qid, p.answer, p.wrong) for p in problems] == [("1", "12", "7"), ("2", "1300", "1200"), ("4", "30", "11")]
    assert teacher_moves == {"focus": 3, "telling": 1, "probing": 1, "generic": 1}
    assert len(smoke.read_problems(mathdial, 1)[0]) == 1


def test_moves_rotate_over_non_telling_moves_and_prompts_hide_the_answer(mathdial):
    problems, _ = smoke.read_problems(mathdial, 10)
    moves = []
    for index in range(4):
        request, guard = smoke.prepare(problems[0], index, 60)
        moves.append(request.data.decision.intent.value)
        assert not guard.reveal and [spec.value for spec in guard.protected] == ["12"]
        assert "12" not in request.prompt.messages[-1]["content"].replace("3 bags of 4", "")
    assert moves == ["seek_strategy", "guiding_student_focus", "asking_for_explanation", "seeking_self_correction"]


def test_leaks_are_counted_raw_and_stopped_before_the_learner(mathdial):
    problems, teacher_moves = smoke.read_problems(mathdial, 2)

    async def run():
        return [await smoke.run_one(Leaky(), problem, index, 60) for index, problem in enumerate(problems)]

    rows = asyncio.run(run())
    assert [row["raw_leaks"] for row in rows] == [True, True]
    assert [row["sent"] for row in rows] == ["Good try. Think about equal groups."] * 2
    summary = smoke.summarise(rows, teacher_moves)
    assert summary["raw_replies_stating_the_answer"] == 2 and summary["stopped_by_the_guard"] == 2
    assert summary["regenerated_clean"] == 2 and summary["leaks_reaching_the_learner"] == 0
    assert summary["telling_share"] == 0


def test_smoke_cli_on_the_rule_backend(mathdial, capsys):
    assert smoke.main(["--problems", "3", "--backend", "rule", "--data", str(mathdial)]) == 0
    out = capsys.readouterr().out
    assert "backend rule, model rule-v1" in out and "leaks reaching the learner" in out
    assert smoke.main(["--problems", "3", "--backend", "rule", "--data", str(mathdial), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["summary"]["problems"] == 3 and report["summary"]["leaks_reaching_the_learner"] == 0
    assert len(report["turns"]) == 3


def test_smoke_cli_refuses_clearly(mathdial, tmp_path, capsys):
    assert smoke.main(["--data", str(tmp_path / "missing.jsonl.gz")]) == 2
    assert "MathDial test split not found" in capsys.readouterr().err
    assert smoke.main(["--backend", "openai", "--data", str(mathdial)]) == 2
    assert "--base-url" in capsys.readouterr().err
    assert smoke.main(["--backend", "local", "--model-path", str(tmp_path / "none.gguf"), "--data", str(mathdial)]) == 2
    assert "not healthy" in capsys.readouterr().err


def test_bench_measures_rule_and_openai_plumbing_and_skips_what_cannot_run(mathdial, tmp_path, capsys):
    httpd, url = start()
    Script.status, Script.queue, Script.requests = 200, [], []
    Script.chunks = [(event(f"w{index} "), 0) for index in range(5)] + [(DONE, 0)]
    try:
        code = bench.main(["--turns", "3", "--data", str(mathdial), "--base-url", url, "--model", "fake-sse",
                           "--model-path", str(tmp_path / "none.gguf"), "--json"])
    finally:
        httpd.shutdown()
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    by_backend = {r["backend"]: r for r in report["results"]}
    assert set(by_backend) == {"rule", "openai"} and "local" in report["skipped"]
    assert by_backend["openai"]["model"] == "fake-sse" and by_backend["openai"]["tokens_mean"] == 5
    assert by_backend["openai"]["turns"] == 3 and by_backend["openai"]["ttft_ms_p95"] >= by_backend["openai"]["ttft_ms_p50"] > 0
    assert len(Script.requests) == 1 + 3  # warm-up and three measured turns


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the refusal on a machine without a GPU")
def test_bench_refuses_a_gpu_that_is_not_there(mathdial, tmp_path, capsys):
    code = bench.main(["--backends", "local", "--turns", "1", "--data", str(mathdial),
                       "--model-path", str(tmp_path / "m.gguf"), "--device", "cuda", "--json"])
    assert code == 2
    assert json.loads(capsys.readouterr().out)["skipped"] == {"local": "--device cuda: torch sees no CUDA GPU on this machine"}
