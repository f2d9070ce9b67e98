"""Issue 20, item 5: the live "now" page in Chromium at desktop and phone width: who is working on
what, alerts in plain words, a table updating live when a learner answers, acknowledging an alert."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.dashboard.helpers import answer, struggling_history
from tests.tutor.factories import HumanLearnerFactory, ModelLearnerFactory
from tutor.content.models import Item
from tutor.learning.models import Enrollment

from .conftest import WIDTHS, assert_fits, in_a_thread, log_in
from .test_dashboard_in_browser import JARGON, _assert_plain


@pytest.mark.django_db(transaction=True)
def test_teacher_sees_who_works_on_what_and_acknowledges_an_alert(asgi_server, page: Page, tiny_class, screenshot):
    classroom = tiny_class
    ada, ben, chloe = (HumanLearnerFactory(user__username=name) for name in ("ada", "ben", "chloe"))
    for learner in (ada, ben, chloe, ModelLearnerFactory(label="sim", api_client__name="lab")):
        Enrollment.objects.create(classroom=classroom, learner=learner)
    in_a_thread(lambda: struggling_history(ada))  # stuck on addition, the answer shown three times in a row
    in_a_thread(lambda: answer(ben, "frac-1", "3/4", timezone.now() - timedelta(minutes=2)))
    forbidden = JARGON + [rf"(?<![\w-]){re.escape(key)}(?![\w-])" for key in Item.objects.values_list("key", flat=True)]

    log_in(page, asgi_server, "tess")
    page.goto(f"{asgi_server}/teach/class/{classroom.pk}/")
    page.get_by_role("navigation", name="Class views").get_by_role("link", name="Now").click()
    expect(page.locator("h1")).to_contain_text("Now")
    expect(page.locator(".live-status")).to_contain_text("Live updates: on")
    working = page.locator("table.now-working")
    expect(working.locator(f'tr[data-learner="{ada.pk}"]')).to_contain_text("ada")
    expect(working.locator(f'tr[data-learner="{ben.pk}"]')).to_contain_text("1 right of 1 answer")
    expect(working.locator("math").first).to_be_attached()  # the problems are typeset
    alerts = page.locator("table.now-alerts")
    expect(alerts).to_contain_text("Stuck on Addition: 10 tries at this skill without mastering it")
    expect(alerts).to_contain_text("The tutor has shown the answer 3 times in a row")
    expect(page.locator(f'table.now-away tr[data-learner="{chloe.pk}"]')).to_contain_text("not yet")
    _assert_plain(page, forbidden)
    assert_fits(page)
    screenshot(page, "now-desktop")

    # Chloe starts: she moves from "Not working now" into "Working" without a reload.
    in_a_thread(lambda: answer(chloe, "add-1", "7", timezone.now()))
    expect(working.locator(f'tr[data-learner="{chloe.pk}"]')).to_contain_text("1 right of 1 answer", timeout=10000)
    expect(page.locator(f'table.now-away tr[data-learner="{chloe.pk}"]')).to_have_count(0)

    page.locator(f'table.now-alerts tr[data-learner="{ada.pk}"]', has_text="Stuck on Addition").get_by_role(
        "button", name=re.compile("Acknowledge")).click()
    expect(page.locator("table.now-alerts")).not_to_contain_text("Stuck on Addition")
    expect(page.locator("[data-live=now_alerts]")).to_contain_text("1 alert acknowledged")
    expect(page.locator("table.now-alerts")).to_contain_text("shown the answer 3 times")

    page.set_viewport_size(WIDTHS["phone"])
    page.reload()
    expect(page.locator(".live-status")).to_contain_text("Live updates: on")
    assert_fits(page)
    label = working.locator("td").first.evaluate("cell => getComputedStyle(cell, '::before').content")
    assert label == '"Problem: "'  # a card per learner, each figure named
    screenshot(page, "now-phone")
