"""A learner reads what their teacher assigned on their course home and progress page, and starts it
from there: in Chromium, at a desktop's and a phone's width (issue 20, item 3, the learner's side)."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import Page, expect

from tutor.accounts.models import User
from tutor.content.models import Item
from tutor.learning.assignments import assignment_create
from tutor.learning.models import Enrollment
from tutor.learning.services import learner_for_user

from .conftest import PASSWORD, WIDTHS, assert_fits, log_in


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_learner_reads_their_assignments_and_starts_one(asgi_server, page: Page, tiny_class, screenshot, width):
    cache.clear()  # the open-assignment horizon is cached per course id, and ids come back
    classroom, course = tiny_class, tiny_class.course
    teacher = classroom.teachers.get()
    lena = User.objects.create_user("lena", password=PASSWORD, role=User.Role.LEARNER)
    Enrollment.objects.create(classroom=classroom, learner=learner_for_user(user=lena))
    due = timezone.now() + timedelta(days=4)
    assignment_create(classroom=classroom, user=teacher, title="Fractions first", kc_keys=["frac", "lin"],
                      item_ids=[Item.objects.get(course=course, key="frac-1").pk], due_at=due)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.set_viewport_size(WIDTHS[width])

    log_in(page, asgi_server, "lena")
    for path in ("/learn/tiny/progress/", "/learn/tiny/"):
        page.goto(asgi_server + path)
        section = page.get_by_role("region", name="Set by your teacher")
        expect(section).to_be_visible()
        card = section.locator("article.my-assignment")
        expect(card).to_have_count(1)
        expect(card.get_by_role("heading", level=3)).to_have_text("Fractions first")
        expect(card).to_contain_text(f"Year 9 maths, due {due:%A} {due.day} {due:%B %Y, %H:%M}")
        expect(card.locator(".my-progress")).to_have_text("0 of 2 skills mastered and 0 of 1 problem answered right.")
        expect(card.locator(".my-assigned li")).to_have_count(3)
        expect(card.locator(".my-assigned math").first).to_be_attached()  # the problem, typeset
        assert_fits(page)
        screenshot(page, path.strip("/").replace("/", "-"))

    page.get_by_role("link", name="Practise Fractions first").click()
    expect(page).to_have_url(asgi_server + "/learn/tiny/practice/")
    expect(page.locator("body")).to_contain_text("your teacher assigned “Fractions first”")
    assert errors == []
