"""/metrics (tutor/ops/metrics.py): requests and the tutor's own figures in Prometheus's text format,
for a scraper holding METRICS_TOKEN only (issue 22, item 3)."""

import io
import re

import pytest
import redis
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tests.tutor.factories import HumanLearnerFactory
from tutor.content.models import Item
from tutor.learning.knowledge import next_item_choose
from tutor.learning.tutoring import tutor_turn_take

pytestmark = pytest.mark.django_db
TOKEN = "a-scrapers-token-of-enough-length"


@pytest.fixture
def scraper(settings) -> Client:
    settings.METRICS_TOKEN = TOKEN
    return Client(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")


def _value(text: str, sample: str) -> float:
    """A sample's value in the scrape (0 when absent), e.g. 'tutor_turn_seconds_count{delivery="inline"}'."""
    found = re.search(rf"^{re.escape(sample)} (\S+)$", text, flags=re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def test_without_a_configured_token_there_is_nothing_to_scrape(settings):
    settings.METRICS_TOKEN = ""
    assert Client().get("/metrics").status_code == 404


def test_a_scraper_without_the_token_is_refused(scraper, settings):
    assert Client().get("/metrics").status_code == 401
    assert Client(HTTP_AUTHORIZATION="Bearer not-the-token").get("/metrics").status_code == 401


def test_a_turn_shows_in_the_turn_tracer_planner_and_request_figures(scraper, valid_pack_path):
    call_command("load_course", str(valid_pack_path), stdout=io.StringIO())
    before = scraper.get("/metrics").content.decode()
    learner = HumanLearnerFactory()
    item = Item.objects.get(key="add-1")
    next_item_choose(learner=learner, course=item.course)
    tutor_turn_take(learner=learner, item=item, source="web", step_key="sum", answer="7", answered_at=timezone.now())
    response = scraper.get("/metrics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    after = response.content.decode()
    for sample in ('tutor_turn_seconds_count{delivery="inline"}', "tutor_tracer_update_seconds_count",
                   'tutor_generation_seconds_count{backend="rule"}'):
        assert _value(after, sample) == _value(before, sample) + 1, sample
    assert _value(after, 'tutor_planner_select_seconds_count{planner="adaptive"}') >= 1
    # django-prometheus's request figures: the first scrape itself was counted
    assert _value(after, 'django_http_responses_total_by_status_total{status="200"}') >= 1


def test_queue_lengths_are_read_from_the_broker(scraper, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/15"  # a database of this test's own
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=1)
    try:
        broker.delete("long")
    except redis.RedisError:
        pytest.skip("needs Redis on 127.0.0.1:6379")
    broker.rpush("long", "a", "b")
    try:
        text = scraper.get("/metrics").content.decode()
    finally:
        broker.delete("long")
    assert _value(text, 'tutor_queue_length{queue="long"}') == 2
    assert 'tutor_queue_length{queue="interactive"}' in text
