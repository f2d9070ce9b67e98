import io
import re
from datetime import timedelta

import pytest
from django.core.management import call_command

from tutor.content.models import Item
from tutor.learning import knowledge
from tutor.learning.models import LearnerState
from tutor.learning.services import MAX_ANSWER_CHARS, learner_for_user
from tutor.learning.tutoring import tutor_turn_take

from .factories import HumanLearnerFactory, UserFactory, now

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(valid_pack_path):
    call_command("load_course", str(valid_pack_path), stdout=io.StringIO())


def _serve(learner, key: str) -> Item:
    """Make `key` the learner's current item (as the planner would have)."""
    item = Item.objects.get(key=key)
    LearnerState.objects.update_or_create(learner=learner, course=item.course,
                                          defaults={"current_item": item, "current_reason": {}})
    return item


def _answer(learner, item, text, step="", minutes=0):
    return tutor_turn_take(learner=learner, item=item, source="web", step_key=step, answer=text,
                           answered_at=now() + timedelta(minutes=minutes))


@pytest.mark.parametrize("path", ["/learn/tiny/", "/learn/tiny/practice/", "/learn/tiny/practice/steps/?item=1",
                                  "/learn/tiny/practice/mastery/", "/learn/tiny/progress/"])
def test_learning_pages_need_a_login(client, loaded, path):
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_course_home_names_levels_not_started_instead_of_fifty_percent(client, loaded):
    client.force_login(UserFactory())
    html = client.get("/learn/tiny/").content.decode()
    assert html.index('data-kc="add"') < html.index('data-kc="frac"') < html.index('data-kc="lin"')
    assert html.count('role="meter"') == 3
    assert html.count('data-level="not-started"') == 3 and "50%" not in html
    assert "0 of 3 skills proficient or better" in html
    assert "P(mastered)" not in html


def test_a_skill_answered_gets_a_level_and_its_percent_on_demand(client, loaded):
    learner = HumanLearnerFactory()
    client.force_login(learner.user)
    item = Item.objects.get(key="add-1")
    for n in range(3):
        _answer(learner, item, "7", minutes=n)
    html = client.get("/learn/tiny/").content.decode()
    row = re.search(r'<li data-kc="add"[^>]*>', html).group(0)
    assert 'data-level="not-started"' not in row and re.search(r'title="Addition: \w+, estimated mastery \d+%', row)
    assert html.count('data-level="not-started"') == 2  # the others: nothing answered, whatever transfer did


def test_practice_page_resumes_the_current_item_and_skip_changes_it(client, loaded):
    user = UserFactory()
    client.force_login(user)
    first = client.get("/learn/tiny/practice/")
    assert first.status_code == 200 and "Why this problem: it practises" in first.content.decode()
    state = LearnerState.objects.get(learner__user=user)
    chosen = state.current_item
    assert chosen.statement in client.get("/learn/tiny/practice/").content.decode()
    assert client.post("/learn/tiny/practice/next/").status_code == 302
    assert LearnerState.objects.get(pk=state.pk).planner_state["selections"] > state.planner_state["selections"]


def test_skip_serves_a_different_item(client, loaded):
    user = UserFactory()
    client.force_login(user)
    client.get("/learn/tiny/practice/")
    before = LearnerState.objects.get(learner__user=user).current_item_id
    response = client.post("/learn/tiny/practice/next/", follow=True)
    assert LearnerState.objects.get(learner__user=user).current_item_id != before
    assert "nothing else" not in response.content.decode()


def test_a_later_step_is_not_in_the_page_until_the_earlier_one_is_solved(client, loaded):
    learner = HumanLearnerFactory()
    client.force_login(learner.user)
    item = _serve(learner, "frac-1")
    html = client.get("/learn/tiny/practice/").content.decode()
    assert "greatest common divisor" in html and 'id="answer-gcd"' in html
    assert 'id="answer-final"' not in html and "Final answer" not in html
    assert f'maxlength="{MAX_ANSWER_CHARS}"' in html
    assert "Work through one step first, then give the final answer." in html  # not "1 step, one at a time"

    _answer(learner, item, "2", step="gcd")
    fragment = client.get(f"/learn/tiny/practice/steps/?item={item.pk}").content.decode()
    assert 'data-step="gcd" data-status="solved"' in fragment and "Solved" in fragment
    assert re.search(r'<input disabled aria-label="Your answer" value="2">', fragment)
    assert 'id="answer-final"' in fragment and 'id="answer-gcd"' not in fragment
    assert client.get("/learn/tiny/practice/").content.decode().count('class="answer-form"') == 1


def test_the_bottom_out_hint_shows_the_step_and_opens_the_next(client, loaded):
    learner = HumanLearnerFactory()
    client.force_login(learner.user)
    item = _serve(learner, "frac-1")
    for n in range(3):  # a wrong answer, then a hint: the third rung gives the answer away
        _answer(learner, item, "5", step="gcd", minutes=n)
        tutor_turn_take(learner=learner, item=item, source="web", step_key="gcd", message="")
    fragment = client.get(f"/learn/tiny/practice/steps/?item={item.pk}").content.decode()
    assert 'data-step="gcd" data-status="told"' in fragment and "Shown" in fragment
    assert 'id="answer-final"' in fragment


def test_a_choice_step_is_radio_buttons_in_a_fieldset_in_a_stable_order(client, loaded):
    learner = HumanLearnerFactory()
    client.force_login(learner.user)
    _serve(learner, "lin-line")
    html = client.get("/learn/tiny/practice/").content.decode()
    assert "<fieldset" in html and "<legend>Which is larger?</legend>" in html
    radios = re.findall(r'<input type="radio" name="answer" id="answer-pick-\d" value="(\w)"', html)
    assert sorted(radios) == ["A", "B"]
    assert 'id="answer-pick"' not in html  # no text box for a choice
    again = client.get("/learn/tiny/practice/").content.decode()
    assert re.findall(r'type="radio" name="answer" id="answer-pick-\d" value="(\w)"', again) == radios


def test_the_step_fragment_is_only_for_the_learners_items_in_this_course(client, loaded):
    client.force_login(UserFactory())
    assert client.get("/learn/tiny/practice/steps/?item=999999").status_code == 404
    assert client.get("/learn/tiny/practice/steps/?item=abc").status_code == 404


def test_unknown_course_is_404(client, loaded):
    client.force_login(UserFactory())
    assert client.get("/learn/nope/").status_code == 404


def test_review_now_serves_an_item_of_that_skill(client, loaded):
    learner = HumanLearnerFactory()
    client.force_login(learner.user)
    _answer(learner, Item.objects.get(key="lin-expr"), "2*x + 6")
    response = client.post("/learn/tiny/practice/review/lin/")
    assert response.status_code == 302
    state = LearnerState.objects.get(learner=learner)
    assert state.current_item.key == "lin-line"  # never answered, so answered least recently
    assert "it reviews Linear equations" in client.get("/learn/tiny/practice/").content.decode()
    assert client.post("/learn/tiny/practice/review/nope/").status_code == 404


def test_progress_page_shows_levels_the_learning_curve_and_review_schedule(client, loaded):
    from tutor.learning.engine import course_engine
    from tutor.learning.knowledge import mastery_history

    learner = HumanLearnerFactory()
    client.force_login(learner.user)
    assert "No answers yet" in client.get("/learn/tiny/progress/").content.decode()
    item = Item.objects.get(key="add-1")
    for n in range(12):
        _answer(learner, item, "7", minutes=n)
    state = LearnerState.objects.get(learner=learner)
    engine = course_engine(item.course)
    history = mastery_history(state=state, engine=engine)
    current = engine.tracer.mastery(state.tracer_state)
    assert history[-1][1] == {kc: m.p for kc, m in current.items()}  # the replay ends where the learner is
    html = client.get("/learn/tiny/progress/").content.decode()
    assert 'id="mastery-history"' in html and f"{len(history)} answer" in html
    assert "Mastery (%)" in html and "Answers" in html and "P(mastered)" not in html
    assert html.count('"mode": "lines') == 1  # only the skill answered
    assert "skills proficient or better" in html
    if '<tr data-kc="add">' in html:  # reached: it can be reviewed from the list
        assert 'action="/learn/tiny/practice/review/add/"' in html


def test_plotly_is_served_locally(client):
    response = client.get("/static/vendor/plotly/plotly-cartesian.min.js")  # vendored: tutor/dashboard/plotly_css.py
    assert response.status_code == 200 and response["Content-Type"].startswith("text/javascript")
    assert b"plotly.js (cartesian - minified)" in b"".join(response.streaming_content)[:2000]


def test_learner_for_user_is_reused(loaded):
    user = UserFactory()
    assert learner_for_user(user=user) == learner_for_user(user=user)


def test_skip_says_so_when_there_is_nothing_else(client, loaded, monkeypatch):
    user = UserFactory()
    client.force_login(user)
    client.get("/learn/tiny/practice/")
    item = LearnerState.objects.get(learner__user=user).current_item
    monkeypatch.setattr(knowledge, "next_item_skip", lambda **_: (item, {}, True), raising=False)
    html = client.post("/learn/tiny/practice/next/", follow=True).content.decode()
    assert "There is nothing else to practise right now" in html
    assert "nothing else" not in client.get("/learn/tiny/practice/").content.decode()  # said once



def test_next_after_the_final_answer_is_no_skip(client, loaded):
    from tutor.learning.models import Attempt

    learner = HumanLearnerFactory()
    client.force_login(learner.user)
    item = _serve(learner, "add-1")
    _answer(learner, item, "7", step="sum")
    _answer(learner, item, "7", minutes=1)
    assert "Next problem" in client.get("/learn/tiny/practice/").content.decode()
    client.post("/learn/tiny/practice/next/")
    assert not Attempt.objects.filter(learner=learner, verdict="skipped").exists()
    client.post("/learn/tiny/practice/next/")  # the new item, unanswered: a skip
    assert Attempt.objects.filter(learner=learner, verdict="skipped").count() == 1


@pytest.mark.parametrize(("value", "shown"), [("3*x + (3) = 12", "3x + 3 = 12"), ("7*x", "7x"), ("3*(x + 2)", "3(x + 2)"),
                                              ("x = 3", "x = 3"), ("x*y", "x\u00d7y")])
def test_a_shown_answer_reads_as_a_learner_writes_it(value, shown):
    from tutor.learning.views import _readable

    assert _readable(value) == shown
