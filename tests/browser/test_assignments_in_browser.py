"""A teacher sets an assignment, and the learner's practice page serves its material and says why: in
Chromium, at a desktop's and a phone's width (issue 20, item 3)."""

import pytest
from django.core.cache import cache
from playwright.sync_api import Browser, Page, expect

from tutor.accounts.models import User
from tutor.learning.models import Enrollment
from tutor.learning.services import learner_for_user

from .conftest import PASSWORD, WIDTHS, assert_fits, log_in


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_learner_practises_what_the_teacher_assigned(asgi_server, page: Page, browser: Browser, tiny_class,
                                                         screenshot, width):
    cache.clear()  # the open-assignment horizon is cached per course id, and ids come back
    classroom = tiny_class
    lena = User.objects.create_user("lena", password=PASSWORD, role=User.Role.LEARNER)
    Enrollment.objects.create(classroom=classroom, learner=learner_for_user(user=lena))
    page.set_viewport_size(WIDTHS[width])

    log_in(page, asgi_server, "tess")
    page.goto(f"{asgi_server}/teach/class/{classroom.pk}/manage/")
    page.get_by_role("link", name="Assignments").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Year 9 maths: assignments")
    page.get_by_role("button", name="Set this assignment").click()  # nothing filled in
    expect(page.locator(".errors")).to_contain_text("Give the assignment a name")
    expect(page.locator(".errors")).to_contain_text("Choose at least one skill or one problem")
    screenshot(page, "refused")
    page.get_by_label("Name").fill("Fractions first")
    page.get_by_role("checkbox", name="Fractions (every problem of this skill)").check()
    page.get_by_label("Due (optional)").fill("2030-05-17T16:30")
    assert_fits(page)
    screenshot(page, "form")
    page.get_by_role("button", name="Set this assignment").click()
    expect(page.locator(".notices")).to_contain_text("“Fractions first” is set.")
    expect(page.locator(".assignment-state")).to_contain_text("Open until Friday 17 May 2030, 16:30")
    expect(page.get_by_role("heading", name="Progress (0 of 1 finished)")).to_be_visible()
    expect(page.locator("table.assignment-progress tbody tr")).to_contain_text("lena")
    expect(page.locator("table.assignment-progress tbody tr")).to_contain_text("Not started")
    assert_fits(page)
    screenshot(page, "progress")

    learner = browser.new_page(viewport=WIDTHS[width])
    log_in(learner, asgi_server, "lena")
    learner.goto(asgi_server + "/learn/tiny/practice/")
    expect(learner.locator(".statement")).to_contain_text("lowest terms")  # frac-1, the one Fractions problem
    expect(learner.locator(".why")).to_have_text(
        "Why this problem: your teacher assigned “Fractions first” (due Friday 17 May 2030, 16:30); it practises Fractions.")
    assert_fits(learner)
    screenshot(learner, "practice")
    learner.close()

    page.get_by_role("button", name="Close it now").click()
    expect(page.locator(".notices")).to_contain_text("“Fractions first” is closed.")
    page.get_by_role("link", name="All assignments of Year 9 maths").click()
    expect(page.locator("table.assignment-list tbody tr")).to_contain_text("Closed")
    assert_fits(page)
    screenshot(page, "list")
