import shutil
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from tutor.content.models import Course, Hint, Item, ItemTemplate, KnowledgeComponent, Misconception, Step
from tutor.content.pack import read_pack

pytestmark = pytest.mark.django_db


@pytest.fixture
def pack(tmp_path, valid_pack_path) -> Path:
    target = tmp_path / "pack"
    shutil.copytree(valid_pack_path, target)
    return target


def load(path) -> str:
    from io import StringIO

    out = StringIO()
    call_command("load_course", str(path), stdout=out)
    return out.getvalue()


def edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def test_valid_pack_loads_everything(pack):
    out = load(pack)
    assert "kcs: 3 created" in out and "items: 4 created" in out and "templates: 1 created" in out
    course = Course.objects.get(slug="tiny")
    lin = KnowledgeComponent.objects.get(course=course, key="lin")
    assert set(lin.prerequisites.values_list("key", flat=True)) == {"add", "frac"}
    item = Item.objects.get(key="frac-1")
    assert item.answer == {"mode": "fraction", "value": "3/4", "tolerance": 1e-9, "simplified": True, "choices": []}
    assert list(item.steps.values_list("key", flat=True)) == ["gcd"]
    assert list(Hint.objects.filter(step__item=item).values_list("level", flat=True)) == [1, 2, 3]
    assert set(Misconception.objects.filter(item=item).values_list("label", flat=True)) == {"not-simplified", "trivial-divisor"}
    assert ItemTemplate.objects.get(key="lin-one-step").spec["parameters"]["a"] == {"low": 2, "high": 15, "choices": [], "exclude": []}


def test_reload_is_idempotent_and_reports_changes(pack):
    load(pack)
    counts = (Item.objects.count(), Step.objects.count(), Hint.objects.count(), Misconception.objects.count())
    assert "items: 0 created, 0 updated, 4 unchanged" in load(pack)
    assert (Item.objects.count(), Step.objects.count(), Hint.objects.count(), Misconception.objects.count()) == counts

    edit(pack / "items" / "basics.yaml", lambda items: items[0].update(statement="What is 4 + 3?"))
    edit(pack / "kcs.yaml", lambda kcs: kcs[2].update(prerequisites=["frac"]))
    out = load(pack)
    assert "items: 0 created, 1 updated, 3 unchanged" in out
    assert "kcs: 0 created, 1 updated, 2 unchanged" in out
    assert Item.objects.get(key="add-1").statement == "What is 4 + 3?"
    assert list(KnowledgeComponent.objects.get(key="lin").prerequisites.values_list("key", flat=True)) == ["frac"]
    assert Item.objects.count() == counts[0]


def assert_rejected(pack: Path, *fragments: str) -> None:
    with pytest.raises(CommandError) as error:
        load(pack)
    message = str(error.value)
    assert "nothing was loaded" in message
    for fragment in fragments:
        assert fragment in message
    assert Course.objects.count() == 0 and Item.objects.count() == 0 and KnowledgeComponent.objects.count() == 0


def test_unknown_kc_is_rejected_with_file_line_and_field(pack):
    edit(pack / "items" / "basics.yaml", lambda items: items[1].update(kcs=["fractions"]))
    assert_rejected(pack, "items/basics.yaml:", "[1].kcs[0]", "unknown KC 'fractions'")


def test_unknown_prerequisite_is_rejected(pack):
    edit(pack / "kcs.yaml", lambda kcs: kcs[0].update(prerequisites=["counting"]))
    assert_rejected(pack, "kcs.yaml:", "[0].prerequisites[0]", "unknown KC 'counting'")


def test_prerequisite_cycle_is_rejected(pack):
    edit(pack / "kcs.yaml", lambda kcs: kcs[0].update(prerequisites=["lin"]))
    assert_rejected(pack, "kcs.yaml:", "prerequisite cycle", "add -> ")


def test_item_without_checkable_answer_is_rejected(pack):
    edit(pack / "items" / "basics.yaml", lambda items: items[2]["answer"].update(value="2*x +"))
    assert_rejected(pack, "items/basics.yaml:", "[2].answer", "cannot be read in expression mode")


def test_unknown_answer_mode_is_rejected(pack):
    edit(pack / "items" / "basics.yaml", lambda items: items[0]["answer"].update(mode="vibes"))
    assert_rejected(pack, "[0].answer.mode")


def test_misconception_equal_to_the_answer_is_rejected(pack):
    edit(pack / "items" / "basics.yaml", lambda items: items[0]["steps"][0]["misconceptions"][0].update(answer="14/2"))
    assert_rejected(pack, "[0].steps[0].answer", "accepted as correct")


def test_item_without_misconception_or_steps_is_rejected(pack):
    def strip(items):
        items[0]["steps"][0]["misconceptions"] = []
        items[1]["steps"] = []

    edit(pack / "items" / "basics.yaml", strip)
    assert_rejected(pack, "[0]: an item needs at least one known misconception", "[1].steps")


@pytest.mark.parametrize(
    ("change", "fragments"),
    [
        (lambda t: t["answer"].update(value="b - q"), ["[0].answer.value", "not a rational number"]),
        (lambda t: t.update(where=["b > a + 1000"]), ["[0].where", "no parameters satisfying"]),
        (lambda t: t.update(statement="Solve x + {c} = {b}"), ["[0].statement", "unknown placeholders ['c']"]),
        (lambda t: t.update(statement="Solve x + {a:q} = {b}"), ["[0].statement", "{a} takes no format spec"]),
        (lambda t: t["parameters"].update(a={"low": 5, "high": 1}), ["[0].parameters.a", "low <= high"]),
        (lambda t: t["misconceptions"][0].update(answer="b - a"), ["[0].answer", "accepted as correct"]),
        (lambda t: t["answer"].update(value="b/(a - a)"), ["[0].answer.value", "divides by zero"]),
    ],
)
def test_bad_template_is_rejected(pack, change, fragments):
    edit(pack / "templates" / "lin.yaml", lambda templates: change(templates[0]))
    assert_rejected(pack, "templates/lin.yaml:", *fragments)


def test_duplicate_ids_across_files_are_rejected(pack):
    shutil.copy(pack / "items" / "basics.yaml", pack / "items" / "copy.yaml")
    assert_rejected(pack, "items/copy.yaml:1: [0].id: id 'add-1' is already defined in")


def test_yaml_syntax_error_names_the_line(pack):
    (pack / "kcs.yaml").write_text("- id: add\n  name: [unclosed\n")
    assert_rejected(pack, "kcs.yaml:", "not valid YAML")


def test_missing_folder_is_a_clear_error(tmp_path):
    assert_rejected(tmp_path / "nope", "not a folder")


def test_json_pack_is_read_like_yaml(pack):
    import json

    kcs = yaml.safe_load((pack / "kcs.yaml").read_text())
    (pack / "kcs.yaml").unlink()
    (pack / "kcs.json").write_text(json.dumps(kcs))
    assert len(read_pack(pack).kcs) == 3
