"""Issue 17, item 1, in the browser: the practice page's reply box. A learner on the demo course's
"3/11 + 4/11" (step: the new numerator, 7) types working with a wrong claim and gets feedback on
that claim, types "I don't get it" and gets a hint, and gives the answer in words for the step to be
accepted. Their words are shown as theirs, as text, and the conversation is still there after a
reload. At desktop and phone width (390 px), each width by a
learner of its own; screenshots go to var/screenshots/ (conftest.SCREENSHOTS)."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import WIDTHS
from tests.browser.test_learner_loop_in_browser import answer, learner_page, open_practice, serve, solved, turn
from tutor.learning.models import TutorTurn
from tutor.learning.services import MAX_ANSWER_CHARS

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("demo_course")]


def say(page: Page, words: str, *, press_enter: bool = False) -> str:
    """Send `words` from the reply box (by Enter or the Send button); the turn's verdict once done."""
    box = page.get_by_label("Tell the tutor what you did, or ask a question")
    box.fill(words)
    if press_enter:
        return turn(page, lambda: box.press("Enter"))
    return turn(page, lambda: page.locator("#say").get_by_role("button", name="Send").click())


def last_said(page: Page):
    return page.locator("#dialogue .from-learner .words").last


@pytest.mark.parametrize("width", list(WIDTHS))
def test_working_and_a_help_request_from_the_reply_box_get_feedback_and_a_hint(asgi_server, new_context,
                                                                             screenshot, width):
    name = f"reply-{width}"
    page = learner_page(new_context, asgi_server, name, width)
    serve(name, "fadd-03")
    open_practice(page, asgi_server)
    expect(page.locator(".statement")).to_contain_text("Work out")
    box = page.get_by_label("Tell the tutor what you did, or ask a question")
    expect(box).to_be_visible()
    expect(box).to_have_attribute("maxlength", str(MAX_ANSWER_CHARS))
    expect(page.locator(".tutor")).to_be_hidden()  # no conversation yet: no empty box
    screenshot(page, "reply-box")

    # Working with a wrong claim (3 + 4 is 7): feedback on that claim, not "couldn't read".
    assert say(page, "I added 3 and 4 and got 8", press_enter=True) == "hint_request"
    expect(last_said(page)).to_have_text("I added 3 and 4 and got 8")
    feedback = page.locator("#feedback")
    expect(feedback).to_contain_text("that is not 8")
    expect(page.locator(".tutor")).not_to_contain_text("couldn't read")
    expect(page.locator('.step[data-step="numerator"]')).to_have_attribute("data-status", "open")
    expect(box).to_have_value("")  # sent: the box is ready for the next words
    screenshot(page, "wrong-claim")

    # "I don't get it": a hint (the step's first rung), and the feedback before it stays in the dialogue.
    assert say(page, "I don't get it") == "hint_request"
    expect(feedback).to_contain_text("count them")
    expect(page.locator("#dialogue .from-tutor")).to_contain_text("that is not 8")
    expect(last_said(page)).to_have_text("I don't get it")

    # The learner's words are text, never HTML.
    assert say(page, "<b>why</b> 11?") == "hint_request"
    expect(last_said(page)).to_have_text("<b>why</b> 11?")
    expect(page.locator("#dialogue b")).to_have_count(0)
    screenshot(page, "dialogue")

    # A reload shows the conversation so far as it was (it is stored): the learner's words as text,
    # the tutor's earlier replies, and the newest reply where it was.
    newest = feedback.inner_text()
    page.reload()
    said = ["I added 3 and 4 and got 8", "I don't get it", "<b>why</b> 11?"]
    expect(page.locator("#dialogue .from-learner .words")).to_have_text(said)
    expect(page.locator("#dialogue .from-tutor")).to_have_count(2)
    expect(page.locator("#dialogue .from-tutor").first).to_contain_text("that is not 8")
    expect(page.locator("#dialogue b")).to_have_count(0)
    expect(feedback).to_have_text(newest)
    screenshot(page, "dialogue-reloaded")

    assert "fadd-03" not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width]["width"]

    # Steps still come one at a time; the words go to whichever step is open, and once the problem is
    # finished there is no step to talk about, so the box goes.
    assert answer(page, "numerator", "7") == "correct"
    solved(page, "numerator")
    expect(last_said(page)).to_have_text("My answer: 7")
    expect(page.locator("#dialogue .from-tutor")).to_have_count(3)  # the newest reply moved up, as before the reload
    expect(box).to_be_visible()
    assert answer(page, "result", "7/11") == "correct"
    assert answer(page, "", "7/11") == "correct"
    expect(page.locator(".item-done")).to_be_visible()
    expect(box).to_be_hidden()
    screenshot(page, "done")
    assert TutorTurn.objects.filter(learner__user__username=name).count() == 6


@pytest.mark.parametrize("width", list(WIDTHS))
def test_an_answer_in_words_from_the_reply_box_is_checked_and_accepted(asgi_server, new_context, screenshot,
                                                                      width):
    name = f"reply-answer-{width}"
    page = learner_page(new_context, asgi_server, name, width)
    serve(name, "fadd-03")
    open_practice(page, asgi_server)
    verdict = say(page, "I think it's 7")
    screenshot(page, "answer-in-words")
    assert verdict == "correct"
    solved(page, "numerator")
    expect(page.locator('.step[data-step="result"] input[name="answer"]')).to_be_visible()
    expect(page.get_by_label("Tell the tutor what you did, or ask a question")).to_be_visible()


def test_right_arithmetic_on_another_path_gets_feedback_on_that_step(asgi_server, new_context, screenshot):
    """Issue 17's example in the browser: "I added 3 to 11 and got 14" is right arithmetic, but the
    step asks for the new numerator (3 + 4): feedback on that step, not "what is your answer?"."""
    name = "reply-path"
    page = learner_page(new_context, asgi_server, name, "desktop")
    serve(name, "fadd-03")
    open_practice(page, asgi_server)
    assert say(page, "I added 3 to 11 and got 14") == "hint_request"
    expect(page.locator("#feedback")).to_contain_text("11 + 3 is 14, but 14 is not what this step asks for.")
    expect(page.locator('.step[data-step="numerator"]')).to_have_attribute("data-status", "open")
    screenshot(page, "another-path")
