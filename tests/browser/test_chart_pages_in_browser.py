"""Every page that draws a chart draws it with the vendored cartesian plotly.js bundle
(tutor/dashboard/plotly_css.py), in Chromium at a desktop's and a phone's width, with nothing logged
as an error: the teacher's overview, a learner's drill-down, the course structure and the planners
page, and the learner's own progress page, on the demo class."""

import pytest
from playwright.sync_api import Page, expect

from tutor.dashboard.plotly_css import STATIC_PATH
from tutor.learning.models import Learner

from .conftest import WIDTHS, log_in


def _charts_drawn(page: Page) -> list[str]:
    """The ids of the page's chart boxes, each checked to hold a drawn plot with at least one trace."""
    boxes = page.locator("[data-figure]")
    ids = []
    for n in range(boxes.count()):
        box = boxes.nth(n)
        expect(box.locator(".main-svg").first).to_be_visible()
        # A trace type the bundle lacks leaves the plot empty: each chart has a drawn trace.
        assert box.locator(".trace, .heatmaplayer image, .annotation").count() > 0, box.get_attribute("id")
        ids.append(box.get_attribute("id"))
    return ids


@pytest.mark.django_db(transaction=True)
def test_every_chart_draws_with_the_cartesian_bundle_at_both_widths(asgi_server, page: Page, demo_class, screenshot):
    classroom, accounts = demo_class
    course = classroom.course
    ada = Learner.objects.get(user__username="ada")
    errors, scripts = [], []
    page.on("console", lambda message: message.type in ("error", "warning") and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda request: request.resource_type == "script" and scripts.append(request.url))

    teacher_pages = {
        "overview": (f"/teach/class/{classroom.pk}/", {"heatmap-plot", "activity-plot"}),
        "drill-down": (f"/teach/class/{classroom.pk}/learner/{ada.pk}/", {"curves-plot"}),
        "structure": (f"/teach/class/{classroom.pk}/structure/", {"graph-plot"}),
        "planners": (f"/teach/class/{classroom.pk}/curriculum/", {"class-plot"}),
    }
    log_in(page, asgi_server, "teacher", accounts["teacher"])
    for width, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        for name, (path, expected) in teacher_pages.items():
            page.goto(asgi_server + path, wait_until="load")
            assert expected <= set(_charts_drawn(page)), name
            screenshot(page, f"{name}-{width}")

    page.context.clear_cookies()
    log_in(page, asgi_server, "ada", accounts["ada"])
    for width, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        page.goto(f"{asgi_server}/learn/{course.slug}/progress/", wait_until="load")
        assert _charts_drawn(page) == ["mastery-history"]
        screenshot(page, f"progress-{width}")

    plotly = {url for url in scripts if "plotly" in url}
    assert plotly and all(STATIC_PATH.removesuffix(".js") in url for url in plotly), plotly
    assert errors == []
