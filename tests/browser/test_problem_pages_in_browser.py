"""Issue 20, item 6: the per-problem report of a class with many problems, in pages, at phone, tablet
and desktop width, with screenshots."""

import pytest
from playwright.sync_api import Page, expect

from tutor.accounts.models import User
from tutor.dashboard.services import synthetic_class_create

from .conftest import PASSWORD, assert_fits, log_in

SIZES = {"phone": {"width": 390, "height": 844}, "tablet": {"width": 820, "height": 1180},
         "desktop": {"width": 1280, "height": 800}}


@pytest.mark.django_db(transaction=True)
def test_a_long_report_is_paged_and_fits_every_width(asgi_server, page: Page, screenshot):
    classroom = synthetic_class_create(learners=4, kcs=15, answers=30)  # 30 problems answered
    teacher = User.objects.create_user("tess", password=PASSWORD, role=User.Role.TEACHER)
    classroom.teachers.add(teacher)
    log_in(page, asgi_server, "tess")
    for name, size in SIZES.items():
        page.set_viewport_size(size)
        page.goto(f"{asgi_server}/teach/class/{classroom.pk}/problems/")
        expect(page.locator("table.problems tbody tr")).to_have_count(20)
        expect(page.locator(".pager").first).to_contain_text("Problems 1 to 20 of 30")
        assert_fits(page)
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height < 6000, f"{name}: {height} px tall"
        screenshot(page, f"problems-{name}")
        page.locator(".pager").first.get_by_role("link", name="Next 20").click()
        expect(page.locator("table.problems tbody tr")).to_have_count(10)
        expect(page.locator(".pager").first).to_contain_text("Problems 21 to 30 of 30")
