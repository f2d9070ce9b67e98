"""Content checks at load: math that cannot be shown, and visible texts that give answers away."""

import random
import shutil
from pathlib import Path

import pytest
import yaml

from tutor.content.mathtext import math_html
from tutor.content.pack import (
    PackError,
    content_problems,
    earlier_answer_problems,
    instantiate,
    instantiate_with,
    read_pack,
    visible_candidates,
)

DEMO = Path(__file__).resolve().parents[2] / "courses" / "demo"
SEEDS_PER_TEMPLATE = 20


@pytest.fixture
def pack(tmp_path, valid_pack_path) -> Path:
    target = tmp_path / "pack"
    shutil.copytree(valid_pack_path, target)
    return target


def edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def add_item(pack: Path, item: dict) -> None:
    edit(pack / "items" / "basics.yaml", lambda items: items.append(item))


def step(id_, prompt, answer, **extra) -> dict:
    return {"id": id_, "prompt": prompt, "answer": answer, "hints": ["h1", "h2", "h3"],
            "misconceptions": [{"answer": "1000", "label": "guess", "feedback": "No."}], **extra}


def evaluate_item(second_prompt: str, **flags) -> dict:
    return {
        "id": "eval-1", "kcs": ["lin"], "statement": "Evaluate $3x + 5$ when $x = 4$.",
        "answer": {"mode": "numeric", "value": 17},
        "steps": [
            step("product", "What is $3x$ when $x = 4$?", {"mode": "numeric", "value": 12}),
            step("total", second_prompt, {"mode": "numeric", "value": 17}, **flags),
        ],
    }


def rejected(pack: Path) -> str:
    with pytest.raises(PackError) as error:
        read_pack(pack)
    return str(error.value)


# ---------------------------------------------------------------- giveaways


def test_a_prompt_that_gives_away_its_own_answer_is_refused_with_file_item_and_field(pack):
    add_item(pack, {
        "id": "dec-1", "kcs": ["frac"], "statement": "Write $\\frac{3}{4}$ as a decimal.",
        "answer": {"mode": "numeric", "value": "0.75"},
        "steps": [
            step("scale", "Write $\\frac{3}{4}$ with denominator 100. What is the numerator?", {"mode": "numeric", "value": 75}),
            step("decimal", "Write $\\frac{75}{100}$ as a decimal.", {"mode": "numeric", "value": "0.75"},
                 shows_earlier_answers=True),
        ],
    })
    message = rejected(pack)
    assert "items/basics.yaml:" in message
    assert "[4].steps[1].prompt: gives away the answer of this step: '75/100' is accepted as its answer" in message
    # the statement shows 3/4, which numeric mode accepts for 0.75: a giveaway of the final answer
    assert "[4].statement: gives away the final answer: '3/4'" in message


def test_a_text_visible_before_a_later_step_is_solved_may_not_show_that_steps_answer(pack):
    item = evaluate_item("Now add 5.")
    item["steps"][0]["prompt"] = "What is $3x$ when $x = 4$? (Then you will work out $12 + 5 = 17$.)"
    add_item(pack, item)
    message = rejected(pack)
    assert "[4].steps[0].prompt: gives away the answer of step 'total'" in message


def test_a_prompt_restating_an_earlier_answer_needs_the_flag(pack):
    add_item(pack, evaluate_item("Now finish: $12 + 5$."))
    message = rejected(pack)
    assert "[4].steps[1].prompt: shows '12', the answer of the earlier step 'product'" in message
    assert "shows_earlier_answers: true on step 'total'" in message


def test_with_the_flag_a_later_prompt_may_restate_an_earlier_answer(pack):
    add_item(pack, evaluate_item("Now finish: $12 + 5$.", shows_earlier_answers=True))
    item = next(i for i in read_pack(pack).items if i.id == "eval-1")
    assert item.steps[1].shows_earlier_answers and not item.steps[0].shows_earlier_answers


def test_a_simplify_item_that_accepts_its_own_statement_is_refused(pack):
    edit(pack / "items" / "basics.yaml", lambda items: items[2]["answer"].pop("simplified"))
    message = rejected(pack)
    assert "items/basics.yaml:" in message
    assert "[2].statement: gives away the final answer: '3(x + 2) - x' is accepted as the answer" in message
    assert "form requirement" in message


def test_picking_one_of_the_values_shown_is_not_a_giveaway(pack):
    add_item(pack, {
        "id": "cmp-1", "kcs": ["frac"], "statement": "Which is larger, $\\frac{3}{4}$ or $\\frac{2}{3}$?",
        "answer": {"mode": "fraction", "value": "3/4"},
        "steps": [step("pick", "Type the larger fraction.", {"mode": "fraction", "value": "3/4"})],
    })
    assert any(item.id == "cmp-1" for item in read_pack(pack).items)


def test_numbers_inside_an_expression_and_bare_numbers_in_prose_are_not_offered():
    assert visible_candidates("Solve for $x$: $5x + 3 = 2x + 12$") == ["5x + 3 = 2x + 12", "5x + 3", "2x + 12"]
    assert visible_candidates("Subtract 3 from both sides.") == []
    assert "12" in visible_candidates("Now finish: $12 + 5$.", loose=True)
    assert visible_candidates(r"Write $\frac{75}{100}$ as a decimal.") == ["75/100"]


# ---------------------------------------------------------------- math at load


def test_bad_tex_is_refused_at_load_with_file_item_and_field(pack):
    edit(pack / "items" / "basics.yaml", lambda items: items[0]["steps"][0]["hints"].__setitem__(1, r"$\frac{3}$"))
    message = rejected(pack)
    assert "items/basics.yaml:" in message and "[0].steps[0].hints[1]: math $\\frac{3}$" in message
    assert "missing an argument" in message


def test_an_unescaped_dollar_is_refused_and_an_escaped_one_stays_a_dollar(pack):
    edit(pack / "items" / "basics.yaml", lambda items: items[0].update(statement="A pen costs $3 and a pad $4. Total?"))
    assert "[0].statement: 2 '$' signs outside math: write \\$ for a dollar sign" in rejected(pack)

    edit(pack / "items" / "basics.yaml", lambda items: items[0].update(statement=r"A pen costs \$3 and a pad \$4. Total?"))
    item = read_pack(pack).items[0]
    assert math_html(item.statement) == "A pen costs $3 and a pad $4. Total?"


def test_placeholders_inside_math_are_substituted_and_the_draws_are_checked(pack):
    def change(templates):
        templates[0]["statement"] = r"Solve for $x$: $x + {a} = {b}$, then write $\frac{{a}}{{b}}$."

    edit(pack / "templates" / "lin.yaml", change)
    template = read_pack(pack).templates[0]
    drawn = instantiate_with(template, {"a": 3, "b": 7})
    assert drawn.statement == r"Solve for $x$: $x + 3 = 7$, then write $\frac{3}{7}$."
    assert '<math alttext="3/7"' in math_html(drawn.statement)


def test_bad_tex_in_a_template_draw_is_refused_with_its_parameters(pack):
    edit(pack / "templates" / "lin.yaml", lambda templates: templates[0].update(statement=r"Solve $x + {a} = \sqrt$"))
    message = rejected(pack)
    assert "templates/lin.yaml:" in message and "[0].statement: math $x + " in message and "(parameters {" in message


def test_a_template_prompt_that_restates_an_earlier_answer_in_every_draw_needs_the_flag(pack):
    def change(templates):
        templates[0]["steps"].append(step("solve", "Subtract {a} from {b}. What is $x$?", {"mode": "numeric", "value": "b - a"}))

    edit(pack / "templates" / "lin.yaml", change)
    message = rejected(pack)
    assert "[0].steps[1].prompt: shows '...', the answer of the earlier step 'undo'" in message
    assert "of 50 draws" in message

    edit(pack / "templates" / "lin.yaml", lambda templates: templates[0]["steps"][1].update(shows_earlier_answers=True))
    assert read_pack(pack).templates[0].steps[1].shows_earlier_answers


# ---------------------------------------------------------------- the demo course


@pytest.fixture(scope="module")
def demo():
    return read_pack(DEMO)  # refuses the pack on any problem, in items and in 50 draws per template


def test_every_demo_item_passes_the_content_checks(demo):
    for item in demo.items:
        assert content_problems(item) == [], item.id
        assert earlier_answer_problems(item) == [], item.id


def test_every_learner_draw_of_every_demo_template_passes_the_content_checks(demo):
    for template in demo.templates:
        for seed in range(SEEDS_PER_TEMPLATE):
            drawn = instantiate(template, random.Random(f"{template.id}:{seed}"))
            assert content_problems(drawn) == [], (template.id, drawn.parameters)


def test_the_demo_marks_up_math_and_money():
    texts = "\n".join(path.read_text() for path in DEMO.glob("*/*.yaml"))
    assert texts.count("$") > 1000
    assert r"\$3 to start plus \$2 per kilometre" in texts
