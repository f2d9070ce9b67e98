"""The practice loop of issue 16 as a learner meets it, in Debian's chromium, on the demo course:
multiple choice as radio buttons, "solve for x" answered `x = 3`, the copied question refused as
not simplified, steps revealed one at a time, no mastery from re-submitting a solved answer, and
skip serving another item. Each behaviour is tried at desktop and at phone width (390 px), each
width by a learner of its own; screenshots go to var/screenshots/ (conftest.SCREENSHOTS)."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD, WIDTHS, log_in
from tutor.accounts.models import User
from tutor.content.models import Item
from tutor.learning.models import LearnerState
from tutor.learning.services import learner_for_user

COURSE = "demo-algebra"
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("demo_course")]


def learner_page(new_context, server: str, name: str, width: str) -> Page:
    """A signed-in learner's page at one of WIDTHS."""
    User.objects.create_user(name, password=PASSWORD)
    page = new_context(viewport=WIDTHS[width]).new_page()
    log_in(page, server, name)
    return page


def serve(name: str, key: str) -> Item:
    """Make `key` the learner's current item, as the planner would."""
    item = Item.objects.get(course__slug=COURSE, key=key)
    LearnerState.objects.update_or_create(learner=learner_for_user(user=User.objects.get(username=name)),
                                          course=item.course, defaults={"current_item": item, "current_reason": {}})
    return item


def open_practice(page: Page, server: str) -> None:
    page.goto(f"{server}/learn/{COURSE}/practice/")
    expect(page.locator(".practice")).to_be_visible()


def turn(page: Page, submit) -> str:
    """Run one tutor turn (`submit` sends it) and return its verdict once the reply is done."""
    before = int(page.locator(".practice").get_attribute("data-turns") or 0)
    submit()
    expect(page.locator(".practice")).to_have_attribute("data-turns", str(before + 1), timeout=15000)
    return page.locator("#verdict").get_attribute("data-verdict") or ""


def answer(page: Page, step: str, text: str) -> str:
    form = page.locator(f'.answer-form[data-step="{step}"]')
    form.locator('input[name="answer"]').fill(text)
    return turn(page, lambda: form.get_by_role("button", name="Check").click())


def solved(page: Page, step: str) -> None:
    expect(page.locator(f'.step[data-step="{step}"]')).to_have_attribute("data-status", "solved")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_choice_item_is_radio_buttons_that_accept_the_right_choice(asgi_server, new_context, screenshot,
                                                                      width):
    page = learner_page(new_context, asgi_server, f"choice-{width}", width)
    serve(f"choice-{width}", "dec-08")
    open_practice(page, asgi_server)
    expect(page.locator(".statement")).to_contain_text("Which is larger, 0.5 or 0.45?")
    group = page.get_by_role("group", name="Which is larger?")
    expect(group.get_by_role("radio")).to_have_count(3)
    for text in ("0.5", "0.45", "They are equal"):
        expect(group.get_by_role("radio", name=text, exact=True)).to_be_visible()
    expect(page.locator('.step[data-step="pick"] input[type="text"], .step[data-step="pick"] input:not([type])')) \
        .to_have_count(0)
    screenshot(page, "choices")

    # By keyboard: focus the choice, Space picks it, Tab to Check, Enter sends the key.
    group.get_by_role("radio", name="0.5", exact=True).focus()
    page.keyboard.press("Space")
    expect(group.get_by_role("radio", name="0.5", exact=True)).to_be_checked()
    assert turn(page, lambda: (page.keyboard.press("Tab"), page.keyboard.press("Enter"))) == "correct"
    expect(page.locator("#verdict")).to_contain_text("Right")
    solved(page, "pick")
    expect(page.locator('.step[data-step="pick"]')).to_contain_text("0.5")

    final = page.get_by_role("group", name="Final answer")
    expect(final.get_by_role("radio")).to_have_count(3)
    final.get_by_role("radio", name="0.45", exact=True).check()
    assert turn(page, lambda: page.locator('.answer-form[data-step=""]').get_by_role("button", name="Check").click()) \
        in ("misconception", "incorrect")
    expect(page.locator("#verdict")).to_contain_text("Not right")
    final.get_by_role("radio", name="0.5", exact=True).check()
    assert turn(page, lambda: page.locator('.answer-form[data-step=""]').get_by_role("button", name="Check").click()) \
        == "correct"
    expect(page.locator(".item-done")).to_be_visible()
    screenshot(page, "choice-done")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_solve_for_x_accepts_x_equals_3_and_steps_come_one_at_a_time(asgi_server, new_context, screenshot,
                                                                      width):
    page = learner_page(new_context, asgi_server, f"solve-{width}", width)
    serve(f"solve-{width}", "both-01")
    open_practice(page, asgi_server)
    expect(page.locator(".statement")).to_contain_text("Solve for")
    expect(page.locator(".statement math")).not_to_have_count(0)  # typeset, not $...$ source
    # Only the first step is on the page: the second's prompt and the final answer are not in it.
    expect(page.locator('.step[data-step="collect"] input[name="answer"]')).to_be_visible()
    expect(page.locator('.step[data-step="collect"] label')).to_contain_text("from both sides")
    assert "Now solve that two-step equation" not in page.content()
    assert "Final answer" not in page.content()
    screenshot(page, "first-step")

    # A hint per open step; its words come back typeset ($...$ drawn as maths, never shown as source).
    assert turn(page, lambda: page.locator('.step[data-step="collect"]').get_by_role("button", name="Hint").click()) \
        == "hint_request"
    expect(page.locator("#feedback")).not_to_have_attribute("aria-busy", "true")
    expect(page.locator("#feedback")).not_to_contain_text("$")
    screenshot(page, "hint")

    assert answer(page, "collect", "3x + 3 = 12") == "correct"
    solved(page, "collect")
    expect(page.locator('.step[data-step="collect"] input')).to_be_disabled()
    expect(page.locator('.step[data-step="solve"] input[name="answer"]')).to_be_focused()
    expect(page.locator('.step[data-step="solve"] label')).to_contain_text("Now solve that two-step equation")
    assert "Final answer" not in page.content()

    assert answer(page, "solve", "x = 3") == "correct"
    solved(page, "solve")
    assert answer(page, "", "x = 3") == "correct"
    expect(page.locator(".item-done")).to_be_visible()
    screenshot(page, "solved")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_copied_question_is_refused_as_not_simplified(asgi_server, new_context, screenshot, width):
    page = learner_page(new_context, asgi_server, f"simplify-{width}", width)
    serve(f"simplify-{width}", "like-01")
    open_practice(page, asgi_server)
    assert answer(page, "identify", "4x + 3x") == "wrong_form"
    expect(page.locator("#verdict")).to_contain_text("not in the form asked for")
    expect(page.locator('.step[data-step="identify"]')).to_have_attribute("data-status", "open")
    screenshot(page, "wrong-form")
    assert answer(page, "identify", "7x") == "correct"
    solved(page, "identify")
    assert answer(page, "", "4x+3x") == "wrong_form"
    assert answer(page, "", "7x") == "correct"


@pytest.mark.parametrize("width", list(WIDTHS))
def test_resubmitting_a_solved_answer_does_not_move_mastery(asgi_server, new_context, screenshot, width):
    name = f"farm-{width}"
    page = learner_page(new_context, asgi_server, name, width)
    serve(name, "like-01")
    open_practice(page, asgi_server)
    assert answer(page, "identify", "7x") == "correct"
    solved(page, "identify")
    row = page.locator('#mastery li[data-kc="like-terms"]')
    expect(row).not_to_have_attribute("data-level", "not-started")
    level, percent = row.get_attribute("data-level"), row.get_attribute("data-percent")

    # The page locks a solved step, so a farmer sends the same answer again over the socket itself.
    item = Item.objects.get(course__slug=COURSE, key="like-01")
    replies = page.evaluate("""async ([item]) => {
        const socket = new WebSocket("ws://" + location.host + "/ws/practice/");
        await new Promise((resolve) => socket.addEventListener("open", resolve));
        const verdicts = [];
        for (let n = 0; n < 6; n++) {
            socket.send(JSON.stringify({type: "answer", item, step: "identify", answer: "7x",
                                        idempotency_key: "farm-" + n + "-" + Math.random()}));
            await new Promise((resolve) => socket.addEventListener("message", function seen(event) {
                const message = JSON.parse(event.data);
                if (message.type === "start") verdicts.push(message.verdict);
                if (["done", "error", "stopped"].includes(message.type)) {
                    socket.removeEventListener("message", seen);
                    resolve();
                }
            }));
        }
        socket.close();
        return verdicts;
    }""", [item.pk])
    assert len(replies) <= 6
    page.reload()
    row = page.locator('#mastery li[data-kc="like-terms"]')
    expect(row).to_have_attribute("data-level", level)
    expect(row).to_have_attribute("data-percent", percent)
    screenshot(page, "after-farming")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_skip_serves_a_different_item(asgi_server, new_context, screenshot, width):
    page = learner_page(new_context, asgi_server, f"skip-{width}", width)
    open_practice(page, asgi_server)
    first = page.locator(".practice").get_attribute("data-item")
    statement = page.locator(".statement").inner_text()
    page.get_by_role("button", name="Skip this problem").click()
    expect(page.locator(".practice")).not_to_have_attribute("data-item", first)
    expect(page.locator(".statement")).not_to_have_text(statement)
    expect(page.locator(".notice")).to_have_count(0)  # "nothing else" is said only when it is so
    screenshot(page, "skipped")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_learner_pages_name_levels_and_read_at_this_width(asgi_server, new_context, screenshot, width):
    name = f"levels-{width}"
    page = learner_page(new_context, asgi_server, name, width)
    page.goto(f"{asgi_server}/learn/{COURSE}/")
    expect(page.locator(".summary")).to_contain_text("0 of 18 skills proficient or better")
    expect(page.locator('.mastery li[data-level="not-started"]')).to_have_count(18)
    assert "50%" not in page.content()
    screenshot(page, "course-home")
    serve(name, "like-01")
    open_practice(page, asgi_server)
    assert answer(page, "identify", "7x") == "correct"
    page.goto(f"{asgi_server}/learn/{COURSE}/progress/")
    expect(page.locator("#mastery-history .main-svg").first).to_be_visible()
    assert page.locator("#mastery-history .legendtext").all_text_contents() == ["Combining like terms"]
    expect(page.locator("#mastery-history .ytitle")).to_have_text("Mastery (%)")
    expect(page.locator("#mastery-history .xtitle")).to_have_text("Answers")
    # The legend is under the plot: it never covers it on a phone.
    plot = page.locator("#mastery-history .nsewdrag").first.bounding_box()
    legend = page.locator("#mastery-history .legend").first.bounding_box()
    assert legend["y"] >= plot["y"] + plot["height"]
    screenshot(page, "progress")
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width]["width"]
    assert "P(mastered)" not in page.content()
