from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.tutor.factories import ClassroomFactory, HumanLearnerFactory, ModelLearnerFactory
from tutor.accounts.models import User
from tutor.content.models import Course, Item
from tutor.learning.models import Enrollment
from tutor.learning.tutoring import tutor_turn_take

PASSWORD = "a-long-passphrase-9"


def _heatmap_image_size(page: Page) -> int:
    """Length of the data: URL Plotly drew the heatmap into; 0 when nothing was drawn."""
    return page.locator("#heatmap-plot .heatmaplayer image").first.evaluate(
        "image => (image.getAttribute('href') || image.getAttribute('xlink:href') || '').length")


def _answer(learner, key: str, text: str, at) -> None:
    """A tutor turn through the real service, in a thread of its own: the tutor runs its generation
    with asyncio.run, which cannot nest in the event loop Playwright keeps in this thread."""
    def turn():
        item = Item.objects.get(course__slug="tiny", key=key)
        tutor_turn_take(learner=learner, item=item, answered_at=at, source="web", answer=text)

    with ThreadPoolExecutor(1) as pool:
        pool.submit(turn).result()


@pytest.mark.django_db(transaction=True)
def test_teacher_sees_the_heatmap_and_it_updates_live(asgi_server, page: Page, valid_pack_path, tmp_path):
    call_command("load_course", str(valid_pack_path), stdout=StringIO())
    classroom = ClassroomFactory(course=Course.objects.get(slug="tiny"), name="Year 9 maths")
    teacher = User.objects.create_user("tess", password=PASSWORD, role=User.Role.TEACHER)
    classroom.teachers.add(teacher)
    learners = [HumanLearnerFactory(user__username=name) for name in ("ada", "ben", "chloe", "dev")]
    learners.append(ModelLearnerFactory(label="sim", api_client__name="lab"))
    start = timezone.now() - timedelta(days=3)
    for n, learner in enumerate(learners):
        Enrollment.objects.create(classroom=classroom, learner=learner)
        for k in range(n + 1):
            _answer(learner, "add-1", "7" if k % 2 == 0 else "5", start + timedelta(hours=k))

    page.goto(asgi_server + "/accounts/login/")
    page.get_by_label("Username").fill("tess")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Teach").click()
    page.get_by_role("link", name="Year 9 maths").click()

    expect(page.locator("#heatmap-plot .main-svg").first).to_be_visible()
    expect(page.locator("#heatmap-plot .heatmaplayer image")).to_have_count(1)
    assert _heatmap_image_size(page) > 1000
    assert sorted(page.locator("#heatmap-plot .ytick").all_text_contents()) == ["ada", "ben", "chloe", "dev", "lab:sim"]
    assert page.locator("#heatmap-plot .xtick").all_text_contents() == ["Addition", "Fractions", "Linear equations"]
    expect(page.locator(".live-status")).to_contain_text("Live updates: on")
    page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)

    _answer(learners[0], "frac-1", "3/4", timezone.now())
    expect(page.locator(".live-status")).to_have_attribute("data-updates", "1", timeout=10000)
    assert _heatmap_image_size(page) > 1000

    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("link", name="Anonymise for projecting").click()
    expect(page.locator("#heatmap-plot .heatmaplayer image")).to_have_count(1)
    assert sorted(page.locator("#heatmap-plot .ytick").all_text_contents()) == [f"Learner {n}" for n in range(1, 6)]
    assert "ada" not in page.content()
    page.screenshot(path=str(tmp_path / "overview-phone.png"), full_page=True)
    print("screenshots in", tmp_path)
