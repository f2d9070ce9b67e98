"""Issue 16, deliver 3: one grammar and one length limit for the answer preview and the checker.

GET /learn/practice/preview/?item=<id>&step=<key>&text=<...> reads the text with the checker's own
tokenizer and parser: it draws exactly what the checker can read, and says what the checker says."""

import io

import pytest
from django.core.management import call_command

from psikt.checking import MAX_INPUT_CHARS, UNREADABLE, WRONG_KIND, check_answer
from tutor.content.models import Item
from tutor.content.selectors import item_answer
from tutor.learning.services import MAX_ANSWER_CHARS

from .factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/learn/practice/preview/"

# Readable and not, of every kind: numbers, expressions, equations, functions, the cases.
INPUTS = [
    "3", "7", "-2.5", "3/4", "6/8", "1 3/4", "0.75", ".5", "x = 3", "3 = x", "x=3.0", "2x+3", "4x+3x",
    "sqrt(4)", "SQRT(4)", "abs(-3)", "pi", "2^3", "2**3", "3(x+2) - x", "(x+1)(x-1)", "y = 2x + 1",
    "2y = 4x + 2", "x = 3 = 3", "=", "3 =", "#", "3#4", "", "   ", "2 3", "((x)", "x)", "1/0", "x/0",
    "9^9^9", "three", "\u0445 + 1", "\u22122", "2\u00d73", "a", "B", "1/2", "A", "__import__('os')",
    "((10^30)^64)^64", "x" * (MAX_INPUT_CHARS + 1),
]


@pytest.fixture
def signed_in(client, valid_pack_path):
    call_command("load_course", str(valid_pack_path), stdout=io.StringIO())
    client.force_login(UserFactory())
    return client


def _preview(client, item: Item, text: str, step: str = ""):
    response = client.get(URL, {"item": item.pk, "step": step, "text": text})
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    return response.json()


def _answers():
    """(item, step key) of every answer in the pack: final answers and steps."""
    for item in Item.objects.prefetch_related("steps").order_by("key"):
        yield item, ""
        for step in item.steps.all():
            yield item, step.key


def test_the_preview_needs_a_login(client, valid_pack_path):
    call_command("load_course", str(valid_pack_path), stdout=io.StringIO())
    item = Item.objects.first()
    response = client.get(URL, {"item": item.pk, "text": "3"})
    assert response.status_code == 302 and "login" in response["Location"]


def test_one_length_limit_for_the_server_the_checker_and_the_preview(signed_in):
    assert MAX_ANSWER_CHARS == MAX_INPUT_CHARS == 500
    item = Item.objects.get(key="add-1")
    reply = _preview(signed_in, item, "1" * (MAX_INPUT_CHARS + 1))
    assert reply == {"ok": False, "mathml": "", "message": reply["message"]}
    assert str(MAX_INPUT_CHARS) in reply["message"]
    assert _preview(signed_in, item, "1" * MAX_INPUT_CHARS)["message"] != reply["message"]


def test_what_was_read_is_drawn_as_written(signed_in):
    item = Item.objects.get(key="lin-expr")
    reply = _preview(signed_in, item, "4x+3x")
    assert reply["ok"] and reply["message"] == ""
    assert reply["mathml"].startswith('<math xmlns="http://www.w3.org/1998/Math/MathML">')
    assert reply["mathml"].count("<mi>x</mi>") == 2  # not drawn as 7x
    assert "<msqrt><mn>4</mn></msqrt>" in _preview(signed_in, item, "sqrt(4)")["mathml"]
    assert "<mfrac><mn>3</mn><mn>4</mn></mfrac>" in _preview(signed_in, Item.objects.get(key="add-1"), "3/4")["mathml"]


def test_unreadable_says_what_was_not_understood(signed_in):
    item = Item.objects.get(key="add-1")
    reply = _preview(signed_in, item, "3#4")
    assert reply == {"ok": False, "mathml": "", "message": "I couldn't read '#' in your answer."}


def test_a_readable_answer_of_the_wrong_kind_is_drawn_and_named(signed_in):
    item = Item.objects.get(key="add-1")
    reply = _preview(signed_in, item, "2x+3", step="sum")
    assert reply["ok"] and "<mi>x</mi>" in reply["mathml"]
    assert reply["message"] == "That is an expression; this step asks for a number."


def test_a_choice_is_previewed_by_key_or_text(signed_in):
    item = Item.objects.get(key="lin-line")
    for text in ("B", "b", "1/2"):
        reply = _preview(signed_in, item, text, step="pick")
        assert reply["ok"] and reply["message"] == "" and "<mfrac><mn>1</mn><mn>2</mn></mfrac>" in reply["mathml"], text
    assert _preview(signed_in, item, "3/5", step="pick")["message"] == "That is not one of the choices; pick one of them."


@pytest.mark.parametrize("params", [{"item": "999999"}, {"item": "x"}, {"item": ""}, {}, {"item": "1.5"}])
def test_an_unknown_item_is_404(signed_in, params):
    response = signed_in.get(URL, {**params, "text": "3"})
    assert response.status_code == 404 and response.json()["ok"] is False


def test_an_unknown_step_is_404(signed_in):
    item = Item.objects.get(key="add-1")
    response = signed_in.get(URL, {"item": item.pk, "step": "nope", "text": "3"})
    assert response.status_code == 404 and response.json()["ok"] is False


def test_only_get(signed_in):
    item = Item.objects.get(key="add-1")
    assert signed_in.post(URL + f"?item={item.pk}&text=3").status_code == 405


def test_the_preview_never_draws_what_the_checker_cannot_read(signed_in):
    """The property of deliver 3, over every answer of the pack and every input above: the preview
    is ok exactly when the checker's verdict is not unreadable, and its message is the checker's
    reason when the checker cannot read the text or finds it the wrong kind."""
    checked = 0
    for item, step in _answers():
        spec, mistakes = item_answer(item=item, step_key=step)
        for text in INPUTS:
            reply = _preview(signed_in, item, text, step=step)
            result = check_answer(spec, text, mistakes)
            assert reply["ok"] == (result.verdict != UNREADABLE), (item.key, step, text, reply, result)
            assert bool(reply["mathml"]) == reply["ok"], (item.key, step, text)
            if result.verdict in (UNREADABLE, WRONG_KIND):
                assert reply["message"] == result.reason, (item.key, step, text, reply, result)
            else:
                assert reply["message"] == "", (item.key, step, text, reply, result)
            checked += 1
    assert checked >= 8 * len(INPUTS)  # every answer of the pack, five modes
