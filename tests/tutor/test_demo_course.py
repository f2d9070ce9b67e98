import io
from pathlib import Path

import pytest
from django.core.management import call_command

from psikt.checking import CORRECT, WRONG_FORM, WRONG_KIND, AnswerSpec, check_answer
from tutor.content.models import Course, Item, ItemTemplate, KnowledgeComponent
from tutor.content.pack import read_pack
from tutor.content.selectors import answer_spec, item_answer
from tutor.content.services import item_from_template

DEMO = Path(__file__).resolve().parents[2] / "courses" / "demo"


@pytest.fixture(scope="module")
def pack():
    return read_pack(DEMO)  # validates everything, including every template over many draws


def test_demo_course_is_big_enough_with_a_real_prerequisite_dag(pack):
    assert len(pack.kcs) >= 15
    assert len(pack.items) + len(pack.templates) >= 150
    with_parents = [kc for kc in pack.kcs if kc.prerequisites]
    assert len(with_parents) >= len(pack.kcs) // 2
    assert any(len(kc.prerequisites) >= 2 for kc in pack.kcs)


def test_every_demo_item_has_steps_a_hint_ladder_and_a_misconception(pack):
    for item in [*pack.items, *pack.templates]:
        assert item.steps, item.id
        assert all(len(step.hints) == 3 for step in item.steps), item.id
        assert item.misconceptions or any(step.misconceptions for step in item.steps), item.id


@pytest.mark.django_db
def test_demo_course_loads_and_every_item_checks_its_own_answer():
    call_command("load_course", str(DEMO), stdout=io.StringIO())
    course = Course.objects.get(slug="demo-algebra")
    assert KnowledgeComponent.objects.filter(course=course).count() >= 15
    for item in Item.objects.filter(course=course).prefetch_related("steps"):
        spec, _ = item_answer(item=item)
        assert check_answer(spec, spec.value).verdict == CORRECT, item.key
        for step in item.steps.all():
            spec, _ = item_answer(item=item, step_key=step.key)
            assert check_answer(spec, spec.value).verdict == CORRECT, (item.key, step.key)
    for template in ItemTemplate.objects.filter(course=course):
        for seed in ("test", 1, 2):
            drawn = item_from_template(template=template, seed=seed)
            spec, _ = item_answer(item=drawn)
            assert check_answer(spec, spec.value).verdict == CORRECT, drawn.key
            for step in drawn.steps.all():
                spec, _ = item_answer(item=drawn, step_key=step.key)
                assert check_answer(spec, spec.value).verdict == CORRECT, (drawn.key, step.key)
    # a choice is answered by its key or by its text, as the page's radio buttons or a typed answer
    for item in Item.objects.filter(course=course, answer__mode="choice"):
        spec, _ = item_answer(item=item)
        right = dict(spec.choices)[spec.value]
        assert check_answer(spec, right).verdict == CORRECT, (item.key, right)


def _spec(answer) -> AnswerSpec:
    """The checker's spec as the app builds it from the stored answer."""
    return answer_spec(answer.model_dump(mode="json"))


def _item(pack, key):
    return next(item for item in pack.items if item.id == key)


def test_the_issues_checking_defects_are_gone_in_the_demo(pack):
    """Issue 16's "Seen" list, on the demo items themselves."""
    solve = _item(pack, "both-01")
    assert "5x + 3 = 2x + 12" in solve.statement
    for text in ("x = 3", "3 = x", "x=3.0", "3"):
        assert check_answer(_spec(solve.answer), text).verdict == CORRECT, text
    assert check_answer(_spec(solve.answer), "6/2").verdict == WRONG_FORM
    step = next(s for s in solve.steps if s.id == "solve")
    assert check_answer(_spec(step.answer), "x = 3").verdict == CORRECT

    simplify = _item(pack, "like-01")
    assert "4x + 3x" in simplify.statement
    for text in ("4x+3x", "x+6x"):
        assert check_answer(_spec(simplify.answer), text).verdict == WRONG_FORM, text
    assert check_answer(_spec(simplify.answer), "7x").verdict == CORRECT

    decimal = _item(pack, "dec-01")
    assert "as a decimal" in decimal.statement
    assert check_answer(_spec(decimal.answer), "3/4").verdict == WRONG_FORM
    assert check_answer(_spec(decimal.answer), "0.75").verdict == CORRECT

    choice = _item(pack, "dec-08")
    assert choice.statement == "Which is larger, 0.5 or 0.45?" and len(choice.answer.choices) >= 2
    for text in ("0.5", "a"):
        assert check_answer(_spec(choice.answer), text).verdict == CORRECT, text

    number_step = _spec(next(s for s in _item(pack, "two-01").steps if s.id == "isolate").answer)
    assert check_answer(number_step, "2x+3").verdict == WRONG_KIND


def test_every_solve_for_x_in_the_demo_takes_x_equals(pack):
    for item in [*pack.items, *pack.templates]:
        if "Solve for $x$" in item.statement:
            assert item.answer.mode == "solve", item.id


def test_every_simplify_and_as_a_decimal_in_the_demo_asks_for_the_form(pack):
    for item in [*pack.items, *pack.templates]:
        if item.statement.startswith(("Simplify", "Expand")):
            assert item.answer.simplified, item.id
        if "as a decimal" in item.statement:
            assert item.answer.mode == "decimal", item.id
