import re
from datetime import timedelta

import pytest
from django.db.models import Count, Q
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.tutor.factories import HumanLearnerFactory, ModelLearnerFactory
from tutor.content.models import Item, ItemTemplate, KnowledgeComponent
from tutor.learning.models import Enrollment, Learner
from tutor.learning.tutoring import tutor_turn_take

from .conftest import WIDTHS, assert_fits, in_a_thread, log_in


def _heatmap_image_size(page: Page) -> int:
    """Length of the data: URL Plotly drew the heatmap into; 0 when nothing was drawn."""
    return page.locator("#heatmap-plot .heatmaplayer image").first.evaluate(
        "image => (image.getAttribute('href') || image.getAttribute('xlink:href') || '').length")


def _answer(learner, key: str, text: str, at) -> None:
    def turn():
        item = Item.objects.get(course__slug="tiny", key=key)
        tutor_turn_take(learner=learner, item=item, answered_at=at, source="web", answer=text)

    in_a_thread(turn)


def _answers_cell(page: Page, learner) -> str:
    return page.locator(f'#learners tr[data-learner="{learner.pk}"] td').first.inner_text()


@pytest.mark.django_db(transaction=True)
def test_teacher_sees_the_heatmap_and_every_table_updates_live(asgi_server, page: Page, tiny_class, screenshot):
    classroom = tiny_class
    learners = [HumanLearnerFactory(user__username=name) for name in ("ada", "ben", "chloe", "dev")]
    learners.append(ModelLearnerFactory(label="sim", api_client__name="lab"))
    start = timezone.now() - timedelta(days=3)
    for n, learner in enumerate(learners):
        Enrollment.objects.create(classroom=classroom, learner=learner)
        for k in range(n + 1):
            _answer(learner, "add-1", "7" if k % 2 == 0 else "5", start + timedelta(hours=k))

    log_in(page, asgi_server, "tess")
    page.get_by_role("link", name="Teach").click()
    page.get_by_role("link", name="Year 9 maths").click()

    expect(page.locator("#heatmap-plot .main-svg").first).to_be_visible()
    expect(page.locator("#heatmap-plot .heatmaplayer image")).to_have_count(1)
    assert _heatmap_image_size(page) > 1000
    assert sorted(page.locator("#heatmap-plot .ytick").all_text_contents()) == ["ada", "ben", "chloe", "dev", "lab:sim"]
    assert page.locator("#heatmap-plot .xtick").all_text_contents() == ["Addition", "Fractions", "Linear equations"]
    expect(page.locator(".live-status")).to_contain_text("Live updates: on")
    assert _answers_cell(page, learners[0]) == "1"
    page.get_by_text("Show the levels as a table").click()  # opened, it must stay open through updates
    expect(page.locator(f'#mastery-table tr[data-learner="{learners[0].pk}"] td').nth(1)).to_have_text("Not started")
    screenshot(page, "before")

    _answer(learners[0], "frac-1", "3/4", timezone.now())
    expect(page.locator(".live-status")).to_have_attribute("data-updates", "1", timeout=10000)
    assert _heatmap_image_size(page) > 1000
    # Issue 20: the learners table and the tables behind the charts update too, not only the heatmap.
    expect(page.locator(f'#learners tr[data-learner="{learners[0].pk}"] td').first).to_have_text("2")
    expect(page.locator(f'#mastery-table tr[data-learner="{learners[0].pk}"] td').nth(1)).not_to_have_text("Not started")
    expect(page.locator("#mastery-table")).to_be_visible()
    screenshot(page, "after-an-answer")

    page.set_viewport_size(WIDTHS["phone"])
    page.get_by_role("link", name="Anonymise for projecting").click()
    expect(page.locator("#heatmap-plot .heatmaplayer image")).to_have_count(1)
    assert sorted(page.locator("#heatmap-plot .ytick").all_text_contents()) == [f"Learner {n}" for n in range(1, 6)]
    assert "ada" not in page.locator("main").inner_text()
    first_token = re.search(r"anon=(\w+)", page.url).group(1)
    screenshot(page, "anonymised-phone")
    # Switched off and on again: a new token, so a new order (tests/dashboard draw the orders).
    page.get_by_role("link", name="Show names").click()
    page.get_by_role("link", name="Anonymise for projecting").click()
    assert re.search(r"anon=(\w+)", page.url).group(1) != first_token


# Words of the tracer and the code that must never reach a teacher's eyes; the demo's item, template
# and skill keys are added per test.
JARGON = [r"P\(", r"\bsd\b", r"uncertainty", r"[Bb]ackend", r"\btracer\b", r"\b[a-z]+_[a-z_]+\b"]


def _what_a_teacher_reads(page: Page) -> str:
    """The page's text, its hover texts and labels, and the words the charts draw or show on hover."""
    return page.evaluate("""() => {
        const parts = [document.body.innerText];
        document.querySelectorAll("[title], [aria-label], [aria-valuetext]").forEach(e => parts.push(
            e.getAttribute("title") || "", e.getAttribute("aria-label") || "", e.getAttribute("aria-valuetext") || ""));
        document.querySelectorAll("script[type='application/json']").forEach(s => {
            const figure = JSON.parse(s.textContent);
            parts.push(figure.layout.title ? JSON.stringify(figure.layout.title.text || "") : "");
            for (const trace of figure.data) for (const key of ["name", "text", "hovertemplate", "x", "y"]) {
                if (typeof trace[key] === "string") parts.push(trace[key]);
                else if (Array.isArray(trace[key])) parts.push(trace[key].flat().filter(v => typeof v === "string").join(" | "));
            }
        });
        return parts.join("\\n");
    }""")


def _assert_plain(page: Page, forbidden: list[str]) -> None:
    text = _what_a_teacher_reads(page)
    found = [pattern for pattern in forbidden if re.search(pattern, text)]
    assert not found, f"{page.url} shows {found}"


@pytest.mark.django_db(transaction=True)
def test_demo_teacher_reads_the_overview_and_a_drill_down_in_plain_words(asgi_server, page: Page, demo_class,
                                                                          screenshot):
    """Issue 20, items 1 and 6, on the demo class (a shorter history than `make demo`'s, for time)."""
    classroom, accounts = demo_class
    course = classroom.course
    keys = [*Item.objects.filter(course=course).values_list("key", flat=True),
            *ItemTemplate.objects.filter(course=course).values_list("key", flat=True),
            *KnowledgeComponent.objects.filter(course=course).values_list("key", flat=True)]
    forbidden = JARGON + [rf"(?<![\w-]){re.escape(key)}(?![\w-])" for key in keys]
    # The learner who needed the most hints: their drill-down has the most to show.
    helped = (Learner.objects.filter(enrollment__classroom=classroom)
              .annotate(hints=Count("tutor_turns", filter=Q(tutor_turns__hint_level__gt=0))).order_by("-hints").first())
    assert helped.hints > 0

    log_in(page, asgi_server, "teacher", accounts["teacher"])
    for width, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        page.goto(f"{asgi_server}/teach/class/{classroom.pk}/")
        expect(page.locator("#heatmap-plot .heatmaplayer image")).to_have_count(1)
        expect(page.locator(".live-status")).to_contain_text("Live updates: on")
        _assert_plain(page, forbidden)
        assert_fits(page)
        heatmap_box = page.locator(".plot-scroll")
        learners_box = page.locator("#learners .table-scroll")
        assert learners_box.evaluate("box => getComputedStyle(box).overflowX") == "auto"
        if width == "phone":  # 18 skills: the heatmap and the learners table scroll inside their boxes
            assert heatmap_box.evaluate("box => box.scrollWidth > box.clientWidth")
            assert learners_box.evaluate("box => box.scrollWidth > box.clientWidth")
            expect(page.locator(".scroll-hint")).to_be_visible()
        screenshot(page, f"overview-{width}")

        page.locator(f'#learners tr[data-learner="{helped.pk}"] a').click()
        expect(page.locator("h1")).to_contain_text(helped.user.username)
        problems = page.locator("article.problem")
        assert problems.count() > 0
        expect(problems.locator("math").first).to_be_attached()  # the demo's problems are typeset
        expect(page.locator(".said.tutor").first).to_be_visible()
        assert page.locator(".who", has_text="Hint").count() > 0
        expect(page.locator("#curves-plot .main-svg").first).to_be_visible()
        _assert_plain(page, forbidden)
        assert_fits(page)
        screenshot(page, f"drill-down-{width}")


@pytest.mark.django_db(transaction=True)
def test_demo_teacher_reads_the_problem_report_at_both_widths(asgi_server, page: Page, demo_class, screenshot):
    """Issue 20, item 4: the per-problem report from the overview's link, in plain words, typeset, a card
    per problem on a phone, each learner's result leading to their work; no chart, so no plotly.js."""
    classroom, accounts = demo_class
    keys = Item.objects.filter(course=classroom.course).values_list("key", flat=True)
    forbidden = JARGON + [rf"(?<![\w-]){re.escape(key)}(?![\w-])" for key in keys]
    scripts: list[str] = []
    page.on("request", lambda request: scripts.append(request.url) if request.resource_type == "script" else None)

    log_in(page, asgi_server, "teacher", accounts["teacher"])
    for width, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        page.goto(f"{asgi_server}/teach/class/{classroom.pk}/")
        scripts.clear()
        page.get_by_role("navigation", name="Class views").get_by_role("link", name="Problems").click()
        expect(page.locator("h1")).to_contain_text("Problems")
        rows = page.locator("table.problems tbody tr")
        assert rows.count() > 1
        expect(rows.first.locator("math").first).to_be_attached()  # the problems are typeset
        expect(rows.first.locator(".right-first")).to_contain_text(re.compile(r"\d+ of \d+ \(\d+%\)"))
        assert not [url for url in scripts if "plotly" in url]
        _assert_plain(page, forbidden)
        assert_fits(page)
        if width == "phone":  # a card per problem: every figure named beside it
            label = rows.first.locator("td").first.evaluate("cell => getComputedStyle(cell, '::before').content")
            assert label == '"Right at first try: "'
        rows.first.locator("td[data-label=Learners] details summary").click()
        screenshot(page, f"problems-{width}")

        link = rows.first.locator(".learner-results a").first
        name = link.inner_text()
        link.click()
        expect(page.locator("h1")).to_contain_text(name)
