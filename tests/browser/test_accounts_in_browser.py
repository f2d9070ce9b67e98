import pytest
from playwright.sync_api import Page, expect

from tutor.accounts.models import User


@pytest.mark.django_db(transaction=True)
def test_sign_up_and_log_out_in_a_real_browser(live_server, page: Page):
    page.goto(live_server.url)
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Username").fill("hana")
    page.get_by_label("Password", exact=True).fill("a-long-passphrase-9")
    page.get_by_label("Password confirmation").fill("a-long-passphrase-9")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("navigation", name="Account")).to_contain_text("hana")
    assert User.objects.get(username="hana").role == "learner"
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
