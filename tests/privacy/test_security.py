"""Security checks that docs/security.md points to (the login protection's are in
tests/tutor/test_login_protection.py): CSRF on every form and
session-authenticated endpoint, hostile input through answers, course packs and the API."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.views import APIView

from tests.tutor.factories import HumanLearnerFactory, UserFactory, now
from tutor.content.models import Course, Item
from tutor.learning.models import Attempt
from tutor.learning.services import MAX_ANSWER_CHARS
from tutor.learning.tutoring import tutor_turn_take

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()
    yield
    cache.clear()


def _views(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from _views(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def test_no_view_skips_csrf_except_the_api_which_checks_it_for_sessions():
    """DRF views are csrf_exempt at the Django level and enforce CSRF themselves for session
    authentication (token clients send no cookies); nothing else may opt out."""
    exempt = [route for route, view in _views() if getattr(view, "csrf_exempt", False)
              and not (hasattr(view, "cls") and issubclass(view.cls, APIView))]
    assert exempt == []


@pytest.mark.parametrize("name,args", [
    ("login", []), ("signup", []), ("logout", []), ("privacy:erase", [1]), ("practice-next", ["tiny"]),
    ("dashboard:now-acknowledge", [1]),
])
def test_every_form_refuses_a_post_without_the_csrf_token(name, args, course):
    learner = HumanLearnerFactory()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(learner.user)
    assert browser.post(reverse(name, args=args), {"username": "x", "password": "y"}).status_code == 403


def test_session_api_calls_need_the_csrf_token(course):
    staff = UserFactory(is_staff=True, role="staff")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff)
    response = browser.post("/api/v1/learners/", {"course": "tiny", "external_id": "x"}, content_type="application/json")
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]


HOSTILE_ANSWERS = [
    "<script>alert(1)</script>", "\x00\x01\x1b[31m", "' OR 1=1; DROP TABLE learning_attempt; --",
    "__import__('os').system('touch /tmp/pwned')", "9" * 5000, "(" * 3000 + ")" * 3000, "x**9**9**9**9",
    "\u202e\ufeff\U0001f600", "{{ settings.SECRET_KEY }}",
]


@pytest.mark.parametrize("text", HOSTILE_ANSWERS)
def test_hostile_answer_text_is_checked_safely_stored_bounded_and_escaped(text, course, client):
    from tutor.learning.tutoring import TurnRejected

    learner = HumanLearnerFactory()
    for step in ("sum", ""):
        if len(text) > MAX_ANSWER_CHARS:
            with pytest.raises(TurnRejected, match=f"at most {MAX_ANSWER_CHARS} characters"):
                tutor_turn_take(learner=learner, item=Item.objects.get(key="add-1"), answered_at=now(),
                                source="web", step_key=step, answer=text)
            continue
        result = tutor_turn_take(learner=learner, item=Item.objects.get(key="add-1"), answered_at=now(),
                                 source="web", step_key=step, answer=text)
        assert result.attempt.verdict in ("incorrect", "unreadable")
        assert Attempt.objects.get(pk=result.attempt.pk).raw_answer == text.replace("\x00", "")
        assert "SECRET" not in result.turn.text and "<script>" not in result.turn.text
    assert Attempt.objects.count() == (0 if len(text) > MAX_ANSWER_CHARS else 2)
    client.force_login(learner.user)
    export = client.get(reverse("privacy:export", args=[learner.pk]))
    assert export.status_code == 200 and export["Content-Type"] == "application/json"


def test_a_course_pack_with_a_python_tag_is_rejected_without_running_it(valid_pack_path, tmp_path):
    import shutil

    pack = tmp_path / "pack"
    shutil.copytree(valid_pack_path, pack)
    marker = tmp_path / "pwned"
    (pack / "kcs.yaml").write_text(f"!!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(CommandError):
        call_command("load_course", str(pack), stdout=StringIO())
    assert not marker.exists() and not Course.objects.exists()


@pytest.mark.parametrize("payload", [
    "not json", "[]", '{"course": {"$gt": ""}, "external_id": "x"}', '{"course": "tiny", "external_id": "' + "x" * 5000 + '"}',
    '{"course": "tiny", "external_id": "x", "planner": "__import__"}', '{"a":' * 200 + "1" + "}" * 200,
])
def test_hostile_api_payloads_get_a_4xx_json_error(payload, course):
    from tests.tutor.factories import ApiClientFactory

    api_client = ApiClientFactory.build()
    token = api_client.issue_token()
    api_client.save()
    response = Client().post("/api/v1/learners/", payload, content_type="application/json",
                             HTTP_AUTHORIZATION=f"Token {token}")
    assert 400 <= response.status_code < 500
    assert "error" in response.json() and "detail" in response.json()


def test_an_answer_dated_in_the_past_cannot_rewrite_history(course):
    from tutor.learning.tutoring import TurnRejected

    learner = HumanLearnerFactory()
    item = Item.objects.get(key="add-1")
    tutor_turn_take(learner=learner, item=item, answered_at=now(), source="web", step_key="sum", answer="7")
    with pytest.raises(TurnRejected, match="before the previous answer"):
        tutor_turn_take(learner=learner, item=item, answered_at=now() - timedelta(days=1), source="web",
                        step_key="sum", answer="7")
    assert Attempt.objects.count() == 1
