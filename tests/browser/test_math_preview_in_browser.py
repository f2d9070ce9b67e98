"""The answer box's live maths preview (static/js/math-preview.js), in a real browser."""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tutor.accounts.models import User


@pytest.mark.django_db(transaction=True)
def test_typed_answers_are_previewed_as_maths_and_unreadable_ones_say_why(asgi_server, page: Page, valid_pack_path):
    call_command("load_course", str(valid_pack_path), stdout=io.StringIO())
    User.objects.create_user("max", password="a-long-passphrase-9")
    page.goto(asgi_server + "/accounts/login/")
    page.get_by_label("Username").fill("max")
    page.get_by_label("Password").fill("a-long-passphrase-9")
    page.get_by_role("button", name="Log in").click()
    page.goto(asgi_server + "/learn/tiny/practice/")

    answer = page.locator('.step[data-status="open"] input[name="answer"]')  # the open step's box
    preview = page.locator('.step[data-status="open"] output.preview')
    expect(preview).to_have_attribute("aria-live", "polite")
    expect(preview).to_have_attribute("aria-label", "How your answer reads")

    def shown(text: str) -> str:
        answer.focus()
        page.keyboard.press("Control+A")
        page.keyboard.type(text)  # typed key by key, as a learner would
        expect(preview).to_have_attribute("data-source", text)  # drawn once typing pauses
        return preview.inner_html()

    assert "<mfrac><mn>3</mn><mn>4</mn></mfrac>" in shown("3/4")
    assert "<mn>6</mn><mn>8</mn>" in shown("6/8")  # drawn as typed, never simplified
    assert "<mn>0.75</mn>" in shown("0.75")
    assert "<msup><mi>x</mi><mn>2</mn></msup>" in shown("2x^2 + 1")
    assert "<mfrac><msqrt><mn>2</mn></msqrt><mn>2</mn></mfrac>" in shown("sqrt(2)/2")
    fraction = shown("(x+1)/2")  # the fraction bar replaces the brackets
    assert fraction.startswith("<math><mfrac><mrow><mi>x</mi>") and "(" not in fraction
    assert "<mo>(</mo>" in shown("(x+1)^2")  # a bracketed base keeps its brackets
    assert "<mo>=</mo>" in shown("2x - 1 = 7") and "\u2212" in preview.inner_text()
    assert "<mi>\u03c0</mi>" in shown("pi r^2")
    expect(preview).to_have_attribute("data-state", "maths")

    assert shown("2 3") == "Can't read this yet: two numbers side by side"
    expect(preview).to_have_attribute("data-state", "unreadable")
    assert shown("(x+1") == "Can't read this yet: a bracket is not closed"
    assert shown("$5").startswith("Can't read this yet: \"$\"")
    answer.fill("1" * 501)  # a paste
    expect(preview).to_have_text("Can't read this yet: that is longer than 500 characters")
    answer.fill("")
    expect(preview).to_be_empty()
