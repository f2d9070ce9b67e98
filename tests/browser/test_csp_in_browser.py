"""The Content-Security-Policy header (settings.CONTENT_SECURITY_POLICY) is one the pages satisfy:
in Debian's chromium, the learner's, the teacher's (Plotly figures) and the API docs (Swagger UI,
served by the site) load with no violation reported."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.test_dashboard_in_browser import _answer
from tests.tutor.factories import HumanLearnerFactory
from tutor.learning.models import Enrollment

from .conftest import PASSWORD, log_in


@pytest.mark.django_db(transaction=True)
def test_every_kind_of_page_loads_without_a_csp_violation(asgi_server, page: Page, tiny_class):
    violations = []
    page.on("console", lambda message: violations.append((page.url, message.text))
            if "Content Security Policy" in message.text else None)
    classroom = tiny_class
    learner = HumanLearnerFactory(user__username="ada")
    learner.user.set_password(PASSWORD)
    learner.user.save()
    Enrollment.objects.create(classroom=classroom, learner=learner)
    start = timezone.now() - timedelta(days=1)
    for k in range(3):
        _answer(learner, "add-1", "7" if k % 2 == 0 else "5", start + timedelta(hours=k))

    response = page.goto(asgi_server + "/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    log_in(page, asgi_server, "tess")
    page.goto(f"{asgi_server}/teach/class/{classroom.pk}/")
    expect(page.locator("#heatmap-plot .main-svg").first).to_be_visible()
    page.goto(f"{asgi_server}/teach/class/{classroom.pk}/learner/{learner.pk}/")
    page.goto(f"{asgi_server}/teach/class/{classroom.pk}/structure/")
    page.get_by_role("button", name="Log out").click()

    log_in(page, asgi_server, "ada")
    page.goto(f"{asgi_server}/learn/tiny/progress/")
    page.goto(f"{asgi_server}/learn/tiny/practice/")
    expect(page.locator(".practice")).to_be_visible()
    page.wait_for_timeout(500)  # the socket opens

    page.goto(f"{asgi_server}/api/docs/")
    expect(page.locator(".swagger-ui .title").first).to_contain_text("Tutor API")
    assert violations == [], "\n".join(f"{n}: {v}" for n, v in violations)
