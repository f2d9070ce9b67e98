"""Issue 20 items 7 and 8 in Chromium, at desktop and phone width: a teacher starts a planner
comparison and sees its progress and result; the course structure's graph names its skills, draws
arrows and marks the links the answers added or dropped."""

import pytest
from playwright.sync_api import Page, expect

from tests.dashboard.test_structure_page import _serve_a_tracer_that_learned
from tutor.dashboard.comparisons import comparison_run
from tutor.dashboard.models import ComparisonJob

from .conftest import WIDTHS, assert_fits, in_a_thread, log_in


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_teacher_runs_a_comparison_and_watches_it(asgi_server, page: Page, tiny_class, screenshot, width,
                                                    in_process_tasks):
    classroom = tiny_class
    page.set_viewport_size(WIDTHS[width])
    log_in(page, asgi_server, "tess")
    url = f"{asgi_server}/teach/class/{classroom.pk}/curriculum/"
    page.goto(url)
    page.get_by_label("Simulated learners", exact=True).select_option("F2")
    page.get_by_label("Situation").select_option("S2")
    page.get_by_label("Random problems").check()
    page.get_by_label("Mastery learning: move on once a skill is mastered").check()
    page.get_by_label("Simulated learners per planner").fill("6")
    screenshot(page, "form")
    page.get_by_role("button", name="Start the comparison").click()  # runs in-process here (in_process_tasks)
    table = page.locator("table.simulated")
    expect(table.locator("tbody tr")).to_have_count(3)
    expect(table.locator('tr[data-planner="mastery"]')).to_contain_text("the baseline")
    expect(page.locator("#simulated-plot .bars path").first).to_be_attached()
    assert_fits(page)
    screenshot(page, "result")

    # A comparison a worker runs: the bar shows its progress, and the page shows the result when it ends.
    job = ComparisonJob.objects.create(classroom=classroom, params={"family": "F1", "scenario": "S1",
                                                                    "planners": ["random", "fixed_order"],
                                                                    "learners": 5}, total=15)
    page.goto(url)
    expect(page.locator("progress#comparison-bar")).to_be_visible()
    expect(page.get_by_role("button", name="Start the comparison")).to_have_count(0)
    screenshot(page, "running")
    assert in_a_thread(lambda: comparison_run(job_id=job.pk))
    expect(page.locator('table.simulated tr[data-planner="fixed_order"]')).to_be_visible(timeout=10_000)
    expect(page.get_by_role("button", name="Start the comparison")).to_be_visible()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_course_graph_names_skills_and_marks_what_the_answers_changed(asgi_server, page: Page, tiny_class,
                                                                         screenshot, width):
    classroom = tiny_class
    _serve_a_tracer_that_learned(classroom.course, [("add", "frac"), ("lin", "frac")])
    page.set_viewport_size(WIDTHS[width])
    log_in(page, asgi_server, "tess")
    page.goto(f"{asgi_server}/teach/class/{classroom.pk}/structure/")
    graph = page.locator("#graph-plot")
    for name in ("Addition", "Fractions", "Linear equations"):
        expect(graph.locator("text", has_text=name).first).to_be_attached()
    expect(graph.locator(".annotation-arrow-g")).to_have_count(4)  # one arrow per link
    expect(page.locator(".graph-key li")).to_have_count(3)
    added = page.locator('table.differences tr[data-edge="lin>frac"]')
    expect(added).to_contain_text("found in the answers, not declared")
    expect(page.locator("table.differences tbody tr")).to_have_count(3)
    assert_fits(page)
    screenshot(page, "graph")
