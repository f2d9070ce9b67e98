"""The answer box's live maths preview, in a real browser: the server reads the text with the
checker's grammar (practice-preview) and the page draws its MathML, or says what it could not read."""

import pytest
from playwright.sync_api import Page, expect

from tutor.learning.services import MAX_ANSWER_CHARS


@pytest.mark.django_db(transaction=True)
def test_typed_answers_are_previewed_as_the_checker_reads_them(page: Page, tiny_learner):
    answer = page.locator('.step[data-status="open"] input[name="answer"]')  # the open step's box
    preview = page.locator('.step[data-status="open"] output.preview')
    expect(preview).to_have_attribute("aria-live", "polite")
    expect(preview).to_have_attribute("aria-label", "How your answer reads")
    expect(answer).to_have_attribute("maxlength", str(MAX_ANSWER_CHARS))  # the server's limit

    def shown(text: str) -> str:
        answer.focus()
        page.keyboard.press("Control+A")
        page.keyboard.type(text)  # typed key by key, as a learner would
        expect(preview).to_have_attribute("data-source", text)  # drawn once typing pauses
        return preview.inner_html()

    assert "<mfrac><mn>3</mn><mn>4</mn></mfrac>" in shown("3/4")
    assert "<mn>6</mn><mn>8</mn>" in shown("6/8")  # drawn as typed, never simplified
    assert "<msqrt><mn>4</mn></msqrt>" in shown("sqrt(4)")  # previewed, and so readable by the checker
    expect(preview).to_have_attribute("data-state", "maths")

    assert shown("2 3").startswith("Can't read this yet: I couldn't read the two numbers 2 3 side by side")
    expect(preview).to_have_attribute("data-state", "unreadable")
    assert shown("$5") == "Can't read this yet: I couldn't read '$' in your answer."
    answer.fill("")
    expect(preview).to_be_empty()
