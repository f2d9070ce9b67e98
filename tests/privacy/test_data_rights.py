"""Export and erasure of a learner's data, end to end: who may, what comes out, what is left."""

import json

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tests.tutor.factories import ModelLearnerFactory
from tutor.accounts.models import ApiClient, User
from tutor.content.models import KnowledgeComponent
from tutor.dashboard.selectors import aggregates_cache_keys
from tutor.learning import refit
from tutor.learning.models import Attempt, Enrollment, Learner, LearnerState, TutorTurn
from tutor.privacy.models import AuditRecord
from tutor.privacy.services import learner_erase

from .conftest import ANSWERS, practise

pytestmark = pytest.mark.django_db

# Who asks -> the status they get. Anonymous visitors and API tokens (the pages take sessions only)
# are sent to the login page; anyone who may not see the learner gets 404, never 403.
MATRIX = [
    ("anonymous", 302), ("api_token", 302), ("other_learner", 404), ("other_teacher", 404),
    ("learner", 200), ("teacher", 200), ("staff", 200),
]


def as_who(client: Client, who: str, people) -> Client:
    if who == "api_token":
        api_client = ApiClient(name="sim-program")
        token = api_client.issue_token()
        api_client.save()
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {token}"
    elif who != "anonymous":
        user = {"other_learner": people["other"].user, "learner": people["learner"].user}.get(who) or people[who]
        client.force_login(user)
    return client


@pytest.mark.parametrize("who,status", MATRIX)
def test_export_authorization_matrix(client, people, who, status):
    response = as_who(client, who, people).get(reverse("privacy:export", args=[people["learner"].pk]))
    assert response.status_code == status
    assert AuditRecord.objects.filter(action="export").count() == (status == 200)


@pytest.mark.parametrize("who,status", MATRIX)
def test_erase_authorization_matrix(client, people, who, status):
    learner = people["learner"]
    url = reverse("privacy:erase", args=[learner.pk])
    assert as_who(client, who, people).get(url).status_code == status
    assert client.post(url).status_code == status
    assert Learner.objects.filter(pk=learner.pk).exists() == (status != 200)


def test_export_holds_attempts_turns_state_and_traits(client, people):
    learner = people["learner"]
    client.force_login(learner.user)
    response = client.get(reverse("privacy:export", args=[learner.pk]))
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == f'attachment; filename="learner-{learner.pk}.json"'
    data = json.loads(response.content)
    assert data["learner"]["username"] == learner.user.username
    assert data["learner"]["classrooms"] == [people["classroom"].name]
    assert [(a["item"], a["step"], a["answer"]) for a in data["attempts"]] == ANSWERS
    assert [a["verdict"] for a in data["attempts"]] == ["incorrect", "correct", "correct", "misconception", "correct"]
    assert len(data["tutor_turns"]) == 5 and all(turn["tutor_text"] for turn in data["tutor_turns"])
    [state] = data["states"]
    stored = LearnerState.objects.get(learner=learner)
    assert state["tracer_state"] == stored.tracer_state and state["planner_state"] == stored.planner_state
    assert set(state["mastery"]) == set(KnowledgeComponent.objects.values_list("key", flat=True))
    assert set(state["traits"]) == {"alpha", "mu", "sigma", "gamma", "eta", "mu_sd"}
    record = AuditRecord.objects.get()
    assert (record.action, record.learner_id, record.actor) == ("export", learner.pk, "the learner")
    assert record.detail == {"attempts": 5, "tutor_turns": 5, "states": 1}


def test_teacher_erasure_reaches_every_store_and_is_audited(people, django_capture_on_commit_callbacks):
    learner, teacher, classroom = people["learner"], people["teacher"], people["classroom"]
    user_id = learner.user_id
    keys = aggregates_cache_keys(classroom.pk)
    cache.set_many({key: "aggregate with the learner in it" for key in keys})
    with django_capture_on_commit_callbacks(execute=True):
        learner_erase(learner=learner, actor_user=teacher)
    assert not Attempt.objects.filter(learner_id=learner.pk).exists()
    assert not TutorTurn.objects.filter(learner_id=learner.pk).exists()
    assert not LearnerState.objects.filter(learner_id=learner.pk).exists()
    assert not Enrollment.objects.filter(learner_id=learner.pk).exists()
    assert not Learner.objects.filter(pk=learner.pk).exists()
    assert not User.objects.filter(pk=user_id).exists()
    assert cache.get_many(keys) == {}
    # The other learner is untouched.
    assert Attempt.objects.filter(learner=people["other"]).count() == 2
    record = AuditRecord.objects.get()
    assert (record.action, record.learner_id, record.learner_kind, record.actor_user) == (
        "erase", learner.pk, "human", teacher)
    assert record.actor == f"user:{teacher.pk} {teacher.username} (teacher)"
    assert record.detail == {"tutor_turns": 5, "states": 1, "attempts": 5, "enrollments": 1,
                             "classrooms": [classroom.pk], "account": True, "login_records": 0}


def test_erasing_a_learners_account_erases_its_failed_login_records(people):
    """The login protection records an account's failed logins with its client addresses: personal data
    that goes with the account (the records of other accounts stay)."""
    learner, other = people["learner"], people["other"]
    for username in (learner.user.username, other.user.username):
        AccessAttempt.objects.create(username=username, ip_address="203.0.113.7", user_agent="a browser",
                                     failures_since_start=2, get_data="", post_data="", http_accept="", path_info="/")
    learner_erase(learner=learner, actor_user=people["staff"])
    assert not AccessAttempt.objects.filter(username=learner.user.username).exists()
    assert AccessAttempt.objects.filter(username=other.user.username).count() == 1
    assert AuditRecord.objects.get().detail["login_records"] == 1


def test_erased_learner_is_left_out_of_the_next_refit(people):
    course = people["classroom"].course
    learner, other = people["learner"], people["other"]
    _, before = refit.course_log(course=course)
    assert (before["attempts"], before["learners"]) == (7, 2)
    learner_erase(learner=learner, actor_user=people["staff"])
    log, after = refit.course_log(course=course)
    assert (after["attempts"], after["learners"]) == (2, 1)
    assert [s.learner for s in log.sequences] == [str(other.pk)]
    model = refit.tracer_refit(course=course, owner="test", epochs=1)
    assert model.metrics["trained_on"] == after
    assert model.load().learner_traits == {}  # a fitted version holds no per-learner data


def test_self_erasure_over_the_web_needs_the_csrf_token_and_logs_out(people):
    learner = people["learner"]
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(learner.user)
    url = reverse("privacy:erase", args=[learner.pk])
    page = browser.get(url)
    assert page.status_code == 200 and b"csrfmiddlewaretoken" in page.content
    assert browser.post(url).status_code == 403
    assert Learner.objects.filter(pk=learner.pk).exists()
    done = browser.post(url, {"csrfmiddlewaretoken": browser.cookies["csrftoken"].value})
    assert done.status_code == 200 and b"Your learning data is gone" in done.content
    assert not Learner.objects.filter(pk=learner.pk).exists()
    assert browser.get(reverse("privacy:my-data")).status_code == 302  # logged out: the account is gone
    assert AuditRecord.objects.get().actor_user is None  # nothing in the trail points at the erased person


def test_staff_account_keeps_its_login_when_its_learner_data_goes(people):
    staff = people["staff"]
    own = Learner.objects.create(kind=Learner.Kind.HUMAN, user=staff)
    practise(own, ANSWERS[:1])
    learner_erase(learner=own, actor_user=staff)
    assert User.objects.filter(pk=staff.pk).exists()
    assert not Learner.objects.filter(pk=own.pk).exists() and not Attempt.objects.filter(learner_id=own.pk).exists()
    assert AuditRecord.objects.get().detail["account"] is False


def test_model_student_erased_for_its_client(course):
    learner = ModelLearnerFactory()
    practise(learner, ANSWERS[:2])
    client = learner.api_client
    learner_erase(learner=learner, actor_client=client)
    assert not Learner.objects.filter(pk=learner.pk).exists() and not Attempt.objects.filter(learner_id=learner.pk).exists()
    assert ApiClient.objects.filter(pk=client.pk).exists()
    record = AuditRecord.objects.get()
    assert (record.learner_kind, record.actor_client, record.actor) == ("model", client, f"client:{client.pk} {client.name}")


def test_a_teacher_reads_but_never_erases_a_model_student_attached_to_their_class(client, people):
    model = ModelLearnerFactory()
    Enrollment.objects.create(classroom=people["classroom"], learner=model)
    client.force_login(people["teacher"])
    assert client.get(reverse("privacy:export", args=[model.pk])).status_code == 200
    erase = reverse("privacy:erase", args=[model.pk])
    assert client.get(erase).status_code == 404 and client.post(erase).status_code == 404
    assert Learner.objects.filter(pk=model.pk).exists()   # only its program (the API) or staff erase it


def test_a_teacher_no_longer_in_the_teacher_role_loses_access(client, people):
    teacher = people["teacher"]
    teacher.role = User.Role.LEARNER
    teacher.save()
    client.force_login(teacher)
    learner = people["learner"]
    assert client.get(reverse("privacy:export", args=[learner.pk])).status_code == 404
    assert client.post(reverse("privacy:erase", args=[learner.pk])).status_code == 404
    assert Learner.objects.filter(pk=learner.pk).exists()
