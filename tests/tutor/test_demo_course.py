import io
from pathlib import Path

import pytest
from django.core.management import call_command

from checking import CORRECT, check_answer
from tutor.content.models import Course, Item, ItemTemplate, KnowledgeComponent
from tutor.content.pack import read_pack
from tutor.content.selectors import item_answer
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
        drawn = item_from_template(template=template, seed="test")
        spec, _ = item_answer(item=drawn)
        assert check_answer(spec, spec.value).verdict == CORRECT, drawn.key
