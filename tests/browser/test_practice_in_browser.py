import io

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tutor.accounts.models import User
from tutor.content.models import Step
from tutor.learning.models import LearnerState, TutorTurn


def mastery_percent(page: Page, kc: str) -> int:
    return int(page.locator(f'.mastery li[data-kc="{kc}"] .bar').get_attribute("aria-valuenow"))


@pytest.mark.django_db(transaction=True)
def test_learner_answers_wrong_gets_a_hint_answers_right_and_mastery_rises(asgi_server, page: Page, valid_pack_path):
    call_command("load_course", str(valid_pack_path), stdout=io.StringIO())
    User.objects.create_user("ivy", password="a-long-passphrase-9")

    page.goto(asgi_server + "/accounts/login/")
    page.get_by_label("Username").fill("ivy")
    page.get_by_label("Password").fill("a-long-passphrase-9")
    page.get_by_role("button", name="Log in").click()
    page.goto(asgi_server + "/learn/tiny/practice/")

    state = LearnerState.objects.get(learner__user__username="ivy")
    item = state.current_item
    step = Step.objects.filter(item=item).order_by("position").first()
    kc = step.kcs.first().key
    form = page.locator(f'.answer-form[data-step="{step.key}"]')
    feedback = page.locator("#feedback")
    expect(page.locator(".why")).to_contain_text("Why this item")
    before = mastery_percent(page, kc)

    form.get_by_label(step.prompt).fill("999")
    form.get_by_role("button", name="Check").click()
    expect(feedback).to_have_attribute("data-verdict", "incorrect")
    expect(feedback).to_contain_text("hint", ignore_case=True)
    after_wrong = mastery_percent(page, kc)

    form.get_by_role("button", name="Hint").click()
    expect(feedback).to_contain_text(step.hints.get(level=2).text)

    form.get_by_label(step.prompt).fill(step.answer["value"])
    form.get_by_role("button", name="Check").click()
    expect(feedback).to_have_attribute("data-verdict", "correct")
    expect(page.locator(f'.mastery li[data-kc="{kc}"] .bar')).not_to_have_attribute("aria-valuenow", str(after_wrong))
    assert mastery_percent(page, kc) > after_wrong
    assert after_wrong < before
    assert TutorTurn.objects.filter(learner__user__username="ivy").count() == 3
