"""A teacher makes a class and shares its code, a learner joins with it, the teacher sees them: in
Chromium, at a desktop's and a phone's width (issue 20, item 2)."""

from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from tutor.accounts.models import User

from .conftest import PASSWORD, WIDTHS, assert_fits, log_in


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_learner_joins_with_the_code_the_teacher_shared(asgi_server, page: Page, browser: Browser,
                                                         valid_pack_path, screenshot, width):
    call_command("load_course", str(valid_pack_path), stdout=StringIO())
    User.objects.create_user("tess", password=PASSWORD, role=User.Role.TEACHER)
    User.objects.create_user("lena", password=PASSWORD, role=User.Role.LEARNER)
    page.set_viewport_size(WIDTHS[width])

    log_in(page, asgi_server, "tess")
    page.get_by_role("link", name="Teach").click()
    page.get_by_role("link", name="Manage classes").click()
    page.get_by_label("Class name").fill("Year 9 maths")
    page.get_by_role("button", name="Create class").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Year 9 maths")
    expect(page.locator(".notices")).to_contain_text("Share its join code")
    code = page.locator("#join-code").inner_text()
    assert len(code) == 8
    expect(page.get_by_text("No learner is in this class yet.")).to_be_visible()

    learner = browser.new_page(viewport=WIDTHS[width])
    log_in(learner, asgi_server, "lena")
    learner.get_by_role("link", name="Join a class").click()
    learner.get_by_label("Class code").fill("nope1234")
    learner.get_by_role("button", name="Join").click()
    expect(learner.locator("#code-error")).to_contain_text("No class has this code")
    screenshot(learner, "join-wrong-code")
    learner.get_by_label("Class code").fill(code.lower())
    learner.get_by_role("button", name="Join").click()
    expect(learner.locator(".notices")).to_contain_text("You are in the class “Year 9 maths”.")
    expect(learner.get_by_role("link", name="Tiny")).to_be_visible()
    assert_fits(learner)
    screenshot(learner, "joined")
    learner.close()

    page.reload()
    expect(page.get_by_role("heading", name="Learners in this class (1)")).to_be_visible()
    expect(page.locator("ul.enrolled")).to_contain_text("lena")
    assert_fits(page)
    screenshot(page, "class")
    page.get_by_role("link", name="Your classes").click()
    expect(page.locator("table.class-list tbody tr")).to_have_count(1)
    expect(page.locator("table.class-list tbody td").nth(2)).to_have_text("1")
    assert_fits(page)
    screenshot(page, "class-list")

    page.get_by_role("link", name="Year 9 maths").click()
    page.get_by_role("link", name="Remove lena from the class").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Remove lena from Year 9 maths?")
    screenshot(page, "remove-confirm")
    page.get_by_role("button", name="Remove lena").click()
    expect(page.locator(".notices")).to_contain_text("lena is no longer in Year 9 maths.")
    expect(page.get_by_role("heading", name="Learners in this class (0)")).to_be_visible()
