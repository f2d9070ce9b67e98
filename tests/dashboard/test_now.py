"""The live "now" view (now.py): who is working, stopped or away, on what and for how long; the
alerts' rules and thresholds; acknowledging; the page; its query budget."""

import re
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.tutor.factories import ModelLearnerFactory, UserFactory
from tutor.content.models import Item
from tutor.dashboard import now as live
from tutor.dashboard.models import AlertAcknowledgement
from tutor.dashboard.services import synthetic_class_create
from tutor.learning.engine import course_engine
from tutor.learning.knowledge import next_item_choose
from tutor.learning.models import Enrollment, Learner, TutorTurn

from .helpers import answer, struggling_history

pytestmark = pytest.mark.django_db


def _ada(classroom) -> Learner:
    return Learner.objects.get(enrollment__classroom=classroom, kind="human")


def _row(data: live.ClassNow, learner: Learner) -> live.LearnerNow:
    return next(row for row in data.learners if row.learner_id == learner.pk)


def _serve(learner: Learner, classroom) -> Item:
    item, _ = next_item_choose(learner=learner, course=classroom.course, now=timezone.now())
    return item


def _kinds(data: live.ClassNow) -> list[str]:
    return [alert.kind for alert in data.alerts]


# ---- who is working, on what, for how long -------------------------------------------------------

def test_a_learner_who_answered_is_working_on_their_problem_then_stopped_then_away(classroom):
    ada = _ada(classroom)
    item = _serve(ada, classroom)
    step = item.steps.order_by("position").first()
    answer(ada, item.key, "999", timezone.now(), step=step.key)
    start = timezone.now()
    row = _row(live.class_now(classroom=classroom, now=start + timedelta(minutes=2)), ada)
    assert row.status == live.WORKING
    assert row.problem == item and row.step == step.prompt and row.skills
    assert (row.session_answers, row.session_right, row.last_verdict) == (1, 0, "wrong")
    assert row.on_problem_since == row.session_start <= row.last_activity  # the answer, then the reply

    later = live.class_now(classroom=classroom, now=start + live.ACTIVE + timedelta(minutes=1))
    assert _row(later, ada).status == live.IDLE
    assert [(alert.kind, alert.learner_id) for alert in later.alerts] == [("idle", ada.pk)]
    assert "Has done nothing for 6 min" in later.alerts[0].words

    gone = live.class_now(classroom=classroom, now=start + live.SESSION_GAP + timedelta(minutes=1))
    assert _row(gone, ada).status == live.AWAY and _row(gone, ada).last_activity is not None
    assert gone.alerts == []


def test_nobody_in_a_quiet_class_is_working_and_there_is_nothing_to_do(classroom):
    data = live.class_now(classroom=classroom)
    assert data.working == data.idle == [] and len(data.away) == 2 and data.alerts == []
    assert all(row.last_activity is None for row in data.away)


def test_a_session_starts_after_a_break_and_a_problem_is_timed_from_its_first_answer(classroom, monkeypatch):
    """The session's start is its first activity after a gap longer than SESSION_GAP; the problem's
    time counts from the first activity in its visit, not from the session's start."""
    ada = _ada(classroom)
    answer(ada, "add-1", "5", timezone.now())
    time.sleep(0.5)
    item = _serve(ada, classroom)
    answer(ada, item.key, "999", timezone.now())
    at = timezone.now()
    one = _row(live.class_now(classroom=classroom, now=at), ada)
    assert one.session_answers == 2 and one.on_problem_since > one.session_start
    monkeypatch.setattr(live, "SESSION_GAP", timedelta(seconds=0.4))  # the pause was a break
    two = _row(live.class_now(classroom=classroom, now=at), ada)
    assert two.session_answers == 1 and two.on_problem_since == two.session_start == one.on_problem_since


def test_a_problem_not_yet_answered_is_timed_from_when_the_last_one_was_left(classroom):
    ada = _ada(classroom)
    answer(ada, "add-1", "7", timezone.now())
    left = _row(live.class_now(classroom=classroom), ada).last_activity
    item = _serve(ada, classroom)
    row = _row(live.class_now(classroom=classroom), ada)
    assert row.problem == item and row.on_problem_since == left and row.step == ""


# ---- alerts and their thresholds -----------------------------------------------------------------

def test_wheel_spinning_and_repeated_bottom_out_hints_are_alerts(classroom):
    ada = _ada(classroom)
    struggling_history(ada)  # 10 wrong answers on addition, then the answer shown on 3 problems in a row
    data = live.class_now(classroom=classroom)
    assert _row(data, ada).status == live.WORKING
    spinning, bottom_out = data.alerts
    assert spinning.kind == "wheel-spinning" and spinning.words.startswith("Stuck on Addition: 10 tries")
    assert bottom_out.kind == "bottom-out" and "shown the answer 3 times in a row" in bottom_out.words


def test_nine_tries_are_not_wheel_spinning_and_two_answers_shown_are_no_pattern(classroom):
    ada = _ada(classroom)
    at = timezone.now()
    for n in range(live.WHEEL_SPIN_ATTEMPTS - 1):
        next_item_choose(learner=ada, course=classroom.course, now=at + timedelta(seconds=n))
        answer(ada, "add-1", "5", at + timedelta(seconds=n))
    for n in range(live.BOTTOM_OUTS_IN_A_ROW - 1):
        next_item_choose(learner=ada, course=classroom.course, now=at + timedelta(minutes=1, seconds=n))
        for text in ("3", None, "3", None):
            answer(ada, "frac-1", text, at + timedelta(minutes=1, seconds=n), step="gcd")
    assert TutorTurn.objects.filter(learner=ada, hint_level=live.BOTTOM_OUT).count() == 2
    assert live.class_now(classroom=classroom).alerts == []
    next_item_choose(learner=ada, course=classroom.course, now=at + timedelta(minutes=2))
    answer(ada, "add-1", "5", at + timedelta(minutes=2))  # the tenth try
    assert _kinds(live.class_now(classroom=classroom)) == ["wheel-spinning"]


def test_a_right_answer_of_their_own_ends_a_run_of_answers_shown(classroom):
    ada = _ada(classroom)
    struggling_history(ada)
    next_item_choose(learner=ada, course=classroom.course, now=timezone.now())
    answer(ada, "frac-1", "2", timezone.now(), step="gcd")
    assert "bottom-out" not in _kinds(live.class_now(classroom=classroom))


def test_an_acknowledged_alert_stays_gone_until_a_new_reason_arises(classroom):
    ada = _ada(classroom)
    teacher = classroom.teachers.get()
    struggling_history(ada)
    for alert in live.class_now(classroom=classroom).alerts:
        assert live.alert_acknowledge(classroom=classroom, learner_id=ada.pk, reason=alert.key, user=teacher)
    data = live.class_now(classroom=classroom)
    assert data.alerts == [] and data.acknowledged == 2
    # The same reasons again: one more wrong answer, one more visit stuck short of the bottom-out.
    next_item_choose(learner=ada, course=classroom.course, now=timezone.now())
    answer(ada, "add-1", "5", timezone.now())
    assert live.class_now(classroom=classroom).alerts == []
    # New reasons: the answer shown three more times in a row (which also makes 12 tries at fractions),
    # then ten more tries at addition without mastering it.
    for n in range(live.BOTTOM_OUTS_IN_A_ROW):
        next_item_choose(learner=ada, course=classroom.course, now=timezone.now())
        for text in ("3", None, "3", None):
            answer(ada, "frac-1", text, timezone.now(), step="gcd")
    new = live.class_now(classroom=classroom).alerts
    assert [(alert.kind, alert.words.split(":")[0]) for alert in new] == [
        ("wheel-spinning", "Stuck on Fractions"), ("bottom-out", "The tutor has shown the answer 6 times in a row, with no right answer of their own in between")]
    for alert in new:
        live.alert_acknowledge(classroom=classroom, learner_id=ada.pk, reason=alert.key, user=teacher)
    for n in range(live.WHEEL_SPIN_ATTEMPTS):
        next_item_choose(learner=ada, course=classroom.course, now=timezone.now())
        answer(ada, "add-1", "5", timezone.now())
    again = live.class_now(classroom=classroom).alerts
    assert [alert.words for alert in again] == ["Stuck on Addition: 21 tries at this skill without mastering it"]


def test_acknowledging_twice_stores_one_row_and_an_alert_not_current_is_refused(classroom):
    ada = _ada(classroom)
    teacher = classroom.teachers.get()
    struggling_history(ada)
    key = live.class_now(classroom=classroom).alerts[0].key
    assert live.alert_acknowledge(classroom=classroom, learner_id=ada.pk, reason=key, user=teacher) is True
    assert live.alert_acknowledge(classroom=classroom, learner_id=ada.pk, reason=key, user=teacher) is False
    with pytest.raises(live.AlertGone):
        live.alert_acknowledge(classroom=classroom, learner_id=ada.pk, reason="idle:yesterday", user=teacher)
    assert AlertAcknowledgement.objects.count() == 1


# ---- the page and its button ---------------------------------------------------------------------

def _page(client, classroom, query: str = "") -> str:
    client.force_login(classroom.teachers.get())
    response = client.get(reverse("dashboard:now", args=[classroom.pk]) + query)
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_says_who_does_what_in_plain_words(client, classroom):
    ada = _ada(classroom)
    struggling_history(ada)
    html = _page(client, classroom)
    working = html.split('data-live="now_working"')[1].split('data-live="now_idle"')[0]
    assert ">ada</a>" in working and "<math" in working  # the problem, typeset
    alerts = html.split('data-live="now_alerts"')[1].split('data-live="now_working"')[0]
    assert "Stuck on Addition" in alerts and 'form="acknowledge"' in alerts
    away = html.split('data-live="now_away"')[1]
    assert "sim-a" in away
    # No item ids, move codes or the tracer's numbers where a teacher reads.
    text = re.sub(r"<[^>]+>", " ", html)
    codes = set(Item.objects.values_list("key", flat=True)) | set(TutorTurn.objects.values_list("move_intent", flat=True))
    assert codes and not [code for code in codes if re.search(rf"\b{re.escape(code)}\b", text)]
    assert "P(mastered)" not in html and "mastered)" not in text


def test_the_page_anonymises_names(client, classroom):
    struggling_history(_ada(classroom))
    html = _page(client, classroom, "?anon=abc")
    assert ">ada<" not in html and "Learner 1" in html and "view=now&amp;anon=abc" in html


def test_acknowledging_from_the_page_hides_the_alert_and_goes_back(client, classroom):
    ada = _ada(classroom)
    struggling_history(ada)
    html = _page(client, classroom, "?anon=abc")
    value = re.search(r'name="alert" value="([^"]+)"', html).group(1)
    url = reverse("dashboard:now-acknowledge", args=[classroom.pk])
    response = client.post(url + "?anon=abc", {"alert": value})
    assert response.status_code == 302 and response["Location"].endswith("/now/?anon=abc")
    assert value not in _page(client, classroom)
    assert client.post(url, {"alert": value}).status_code == 302  # again: nothing new, no error


@pytest.mark.parametrize("value,status", [("", 400), ("ada:wheel-spinning", 400), ("1:" + "x" * 200, 400),
                                          ("{learner}:idle:2020-01-01", 409)])
def test_a_bad_or_stale_acknowledgement_is_a_4xx_with_a_reason(client, classroom, value, status):
    ada = _ada(classroom)
    client.force_login(classroom.teachers.get())
    url = reverse("dashboard:now-acknowledge", args=[classroom.pk])
    response = client.post(url, {"alert": value.format(learner=ada.pk)})
    assert response.status_code == status and response.content
    assert client.get(url).status_code == 405
    assert not AlertAcknowledgement.objects.exists()


# ---- queries -------------------------------------------------------------------------------------

# The session and the user, the class, the course engine's tracer check, and now.py's nine reads.
NOW_QUERIES = 13


def _now_queries(client, learners: int) -> int:
    classroom = synthetic_class_create(learners=learners, kcs=4, answers=12, seed=learners)
    Enrollment.objects.create(classroom=classroom, learner=ModelLearnerFactory())  # one not working now
    teacher = UserFactory(role="teacher")
    classroom.teachers.add(teacher)
    client.force_login(teacher)
    course_engine(classroom.course)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("dashboard:now", args=[classroom.pk]))
    assert response.status_code == 200
    # Synthetic answers are recorded now: everyone but the newcomer is working, so every read runs.
    html = response.context["panels"]["html"]
    assert len(html["now_working"].split("<tr data-learner")) == learners + 1
    assert len(html["now_away"].split("<tr data-learner")) == 2
    return len(captured)


def test_the_page_costs_the_same_queries_for_a_class_of_3_and_of_30(client):
    small, large = _now_queries(client, 3), _now_queries(client, 30)
    assert small == large == NOW_QUERIES


def test_when_nobody_is_away_the_page_does_not_call_the_stopped_learners_working():
    """With every learner in a session but some stopped, the last table said 'Everyone in the class is working'
    under a table of learners who had stopped."""
    from types import SimpleNamespace

    from django.template.loader import render_to_string

    html = render_to_string("dashboard/_now_away.html", {"now": SimpleNamespace(away=[], idle=["someone"])})
    assert "Everyone in the class is working" not in html
    assert "working or stopped only minutes ago" in html
