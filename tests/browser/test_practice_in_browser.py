import pytest
from playwright.sync_api import Page, expect

from tutor.content.models import Step
from tutor.learning.models import LearnerState, TutorTurn


def mastery_percent(page: Page, kc: str) -> int:
    return int(page.locator(f'.mastery li[data-kc="{kc}"]').get_attribute("data-percent"))


@pytest.mark.django_db(transaction=True)
def test_learner_answers_wrong_gets_a_hint_answers_right_and_mastery_rises(page: Page, tiny_learner):
    state = LearnerState.objects.get(learner__user__username=tiny_learner)
    item = state.current_item
    step = Step.objects.filter(item=item).order_by("position").first()
    kc = step.kcs.first().key
    form = page.locator(f'.answer-form[data-step="{step.key}"]')
    feedback = page.locator("#feedback")
    expect(page.locator(".why")).to_contain_text("Why this problem")
    row = page.locator(f'.mastery li[data-kc="{kc}"]')
    expect(row).to_have_attribute("data-level", "not-started")  # no answers yet: no percent either

    form.get_by_label(step.prompt).fill("999")
    form.get_by_role("button", name="Check").click()
    expect(feedback).to_have_attribute("data-verdict", "incorrect")
    expect(feedback).to_contain_text("hint", ignore_case=True)
    expect(page.locator("#verdict")).to_have_text("\u2717 Not right.")
    expect(row).to_have_attribute("data-level", "attempted")
    after_wrong = mastery_percent(page, kc)

    form.get_by_role("button", name="Hint").click()
    expect(feedback).to_contain_text(step.hints.get(level=2).text)

    form.get_by_label(step.prompt).fill(step.answer["value"])
    form.get_by_role("button", name="Check").click()
    expect(feedback).to_have_attribute("data-verdict", "correct")
    expect(row).not_to_have_attribute("data-percent", str(after_wrong))
    assert mastery_percent(page, kc) > after_wrong
    assert after_wrong < 50
    expect(page.locator(f'.step[data-step="{step.key}"]')).to_have_attribute("data-status", "solved")
    expect(page.get_by_label("Final answer")).to_be_focused()
    assert TutorTurn.objects.filter(learner__user__username="ivy").count() == 3
