"""Class management without the admin (issue 20, item 2): creating a class, its join code, joining,
roster import, removing a learner; who may do each; and what the class list costs in queries."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from redis.exceptions import RedisError

from tests.tutor.factories import ClassroomFactory, HumanLearnerFactory, ModelLearnerFactory, UserFactory
from tutor.dashboard import classes
from tutor.dashboard.selectors import aggregates_cache_keys
from tutor.learning.models import JOIN_CODE_ALPHABET, JOIN_CODE_LENGTH, Classroom, Enrollment, Learner

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # join-failure counters must not leak between tests
    yield
    cache.clear()


def _teacher(classroom):
    return classroom.teachers.get(role="teacher")


def _roster(text: str | bytes, name: str = "roster.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode() if isinstance(text, str) else text, content_type="text/csv")


def _enrolled_names(classroom) -> set[str]:
    return {str(learner) for learner in Learner.objects.filter(enrollment__classroom=classroom)
            .select_related("user", "api_client")}


# --- creating a class and the class list -----------------------------------------------------------

def test_a_teacher_creates_a_class_and_becomes_its_teacher(client, classroom, course):
    teacher = _teacher(classroom)
    client.force_login(teacher)
    response = client.post(reverse("dashboard:classes"), {"name": "Year 8 algebra", "course": course.pk})
    created = Classroom.objects.get(name="Year 8 algebra")
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:class-manage", args=[created.pk])
    assert list(created.teachers.all()) == [teacher]
    assert created.course == course
    assert len(created.join_code) == JOIN_CODE_LENGTH and set(created.join_code) <= set(JOIN_CODE_ALPHABET)

    page = client.get(response["Location"]).content.decode()
    assert "Class “Year 8 algebra” created" in page
    assert created.join_code in page
    listing = client.get(reverse("dashboard:classes")).content.decode()
    assert "Year 8 algebra" in listing and classroom.name in listing


def test_a_class_without_a_name_is_refused_with_the_reason(client, classroom, course):
    client.force_login(_teacher(classroom))
    response = client.post(reverse("dashboard:classes"), {"name": "  ", "course": course.pk})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    response = client.post(reverse("dashboard:classes"), {"name": "X", "course": 999999})
    assert response.status_code == 400
    assert Classroom.objects.count() == 1


def test_the_class_list_shows_each_class_with_its_learner_count(client, classroom, other_classroom):
    client.force_login(_teacher(classroom))
    page = client.get(reverse("dashboard:classes")).content.decode()
    assert f'<tr data-classroom="{classroom.pk}">' in page
    assert f'data-classroom="{other_classroom.pk}"' not in page  # another teacher's class
    row = page.split(f'<tr data-classroom="{classroom.pk}">')[1].split("</tr>")[0]
    assert "<td>2</td>" in row and classroom.join_code in row


def test_the_manage_page_lists_who_is_enrolled(client, classroom):
    client.force_login(_teacher(classroom))
    page = client.get(reverse("dashboard:class-manage", args=[classroom.pk])).content.decode()
    assert "Learners in this class (2)" in page
    for learner in Learner.objects.filter(enrollment__classroom=classroom):
        assert f'data-learner="{learner.pk}"' in page
    assert "ada" in page


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_class_pages_take_the_same_number_of_queries_whatever_the_size(client, classroom, course):
    teacher = _teacher(classroom)
    client.force_login(teacher)
    listing, manage = reverse("dashboard:classes"), reverse("dashboard:class-manage", args=[classroom.pk])
    small = (_queries(client, listing), _queries(client, manage))
    for n in range(6):
        room = ClassroomFactory(course=course)
        room.teachers.add(teacher)
        for _ in range(3):
            Enrollment.objects.create(classroom=room, learner=HumanLearnerFactory())
    for _ in range(8):
        Enrollment.objects.create(classroom=classroom, learner=HumanLearnerFactory())
        Enrollment.objects.create(classroom=classroom, learner=ModelLearnerFactory())
    large = (_queries(client, listing), _queries(client, manage))
    assert large == small
    assert max(large) <= 8


# --- the join code ---------------------------------------------------------------------------------

def _learner_user(username="lena"):
    return HumanLearnerFactory(user__username=username).user


def test_a_learner_joins_with_the_code_and_joining_again_changes_nothing(client, classroom):
    user = _learner_user()
    client.force_login(user)
    home = client.get(reverse("home")).content.decode()
    assert reverse("dashboard:join") in home and "Join a class" in home

    typed = f" {classroom.join_code[:4].lower()}-{classroom.join_code[4:]} "  # as read off a board
    response = client.post(reverse("dashboard:join"), {"code": typed})
    assert response.status_code == 302
    assert Enrollment.objects.filter(classroom=classroom, learner__user=user).count() == 1
    page = client.get(response["Location"]).content.decode()
    assert f"You are in the class “{classroom.name}”." in page
    assert reverse("course-home", args=[classroom.course.slug]) in page

    response = client.post(reverse("dashboard:join"), {"code": classroom.join_code}, follow=True)
    assert f"You were already in the class “{classroom.name}”." in response.content.decode()
    assert Enrollment.objects.filter(classroom=classroom, learner__user=user).count() == 1


def test_a_teacher_account_cannot_join_a_class_as_a_learner(client, classroom):
    """With the code of a class (their own or another's), a teacher was enrolled as one of its learners."""
    for user in (_teacher(classroom), UserFactory(username="tess", role="teacher")):
        client.force_login(user)
        response = client.post(reverse("dashboard:join"), {"code": classroom.join_code})
        assert response.status_code == 403
        assert "only learner accounts join a class" in response.content.decode()
    assert not Enrollment.objects.filter(classroom=classroom, learner__user__role="teacher").exists()


def test_a_wrong_code_is_a_clear_message(client, classroom):
    client.force_login(_learner_user())
    for code in ("ZZZZZZZZ", "abc", ""):
        response = client.post(reverse("dashboard:join"), {"code": code})
        assert response.status_code == 400
    assert "No class has this code" in client.post(reverse("dashboard:join"), {"code": "ZZZZZZZZ"}).content.decode()
    assert not Enrollment.objects.filter(classroom=classroom, learner__user__username="lena").exists()


def test_a_new_code_revokes_the_old_one(client, classroom):
    teacher_client = Client()
    teacher_client.force_login(_teacher(classroom))
    old = classroom.join_code
    response = teacher_client.post(reverse("dashboard:class-code", args=[classroom.pk]))
    assert response.status_code == 302
    classroom.refresh_from_db()
    assert classroom.join_code != old and len(classroom.join_code) == JOIN_CODE_LENGTH
    assert "The old code no longer works." in teacher_client.get(response["Location"]).content.decode()

    client.force_login(_learner_user())
    refused = client.post(reverse("dashboard:join"), {"code": old})
    assert refused.status_code == 400 and "No class has this code" in refused.content.decode()
    assert client.post(reverse("dashboard:join"), {"code": classroom.join_code}).status_code == 302
    assert Enrollment.objects.filter(classroom=classroom, learner__user__username="lena").exists()


def test_guessing_codes_is_stopped_after_ten_wrong_ones(client, classroom):
    client.force_login(_learner_user())
    for _ in range(classes.JOIN_FAILURES_ALLOWED):
        assert client.post(reverse("dashboard:join"), {"code": "ZZZZZZZZ"}).status_code == 400
    # Now even the right code waits: the counter is per account and the window has not passed.
    response = client.post(reverse("dashboard:join"), {"code": classroom.join_code})
    assert response.status_code == 429
    assert "Too many wrong codes. Wait 15 minutes" in response.content.decode()
    assert not Enrollment.objects.filter(classroom=classroom, learner__user__username="lena").exists()
    # Another account is not held back by it.
    other = Client()
    other.force_login(_learner_user("max"))
    assert other.post(reverse("dashboard:join"), {"code": classroom.join_code}).status_code == 302


def test_with_the_cache_down_joining_still_works_without_counting(client, classroom, monkeypatch):
    class Down:
        def __getattr__(self, name):
            def fail(*args, **kwargs):
                raise RedisError("connection refused")
            return fail

    monkeypatch.setattr(classes, "cache", Down())
    client.force_login(_learner_user())
    assert client.post(reverse("dashboard:join"), {"code": "ZZZZZZZZ"}).status_code == 400
    assert client.post(reverse("dashboard:join"), {"code": classroom.join_code}).status_code == 302
    assert Enrollment.objects.filter(classroom=classroom, learner__user__username="lena").exists()


# --- roster import ---------------------------------------------------------------------------------

def test_a_roster_enrols_every_learner_named_header_and_blank_lines_skipped(client, classroom):
    for name in ("bo", "cy"):
        _learner_user(name)
    UserFactory(username="dee")  # a learner's account that has not practised yet: no Learner row
    client.force_login(_teacher(classroom))
    csv = "username\r\nbo\r\n\r\ncy,Cy Young\r\ndee\r\nada\r\n"  # ada is in the class already
    response = client.post(reverse("dashboard:class-roster", args=[classroom.pk]), {"roster": _roster(csv)})
    assert response.status_code == 302
    assert _enrolled_names(classroom) == {"ada", "bo", "cy", "dee", str(Learner.objects.get(kind="model"))}
    page = client.get(response["Location"]).content.decode()
    assert "Roster imported: 3 learners added, 1 already in the class." in page


def test_a_roster_with_unknown_names_reports_their_lines_and_enrols_nobody(client, classroom):
    _learner_user("bo")
    UserFactory(username="tina", role="teacher")
    UserFactory(username="gone", is_active=False)
    client.force_login(_teacher(classroom))
    before = _enrolled_names(classroom)
    csv = "username\nbo\nnobody\n\ntina\ngone\n"
    response = client.post(reverse("dashboard:class-roster", args=[classroom.pk]), {"roster": _roster(csv)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nobody was added" in page
    assert "Line 3: there is no learner account called “nobody”." in page
    assert "Line 5: there is no learner account called “tina”." in page
    assert "Line 6: there is no learner account called “gone”." in page
    assert "Line 2:" not in page
    assert _enrolled_names(classroom) == before


@pytest.mark.parametrize(("content", "reason"), [
    (b"username\n" + b"x" * (classes.ROSTER_MAX_BYTES + 1), "larger than 64 KB"),
    ("".join(f"user{n}\n" for n in range(classes.ROSTER_MAX_LINES + 1)), "more than 1000 names"),
    (b"\xff\xfe\x00b\x00o", "not plain text"),
    ("username\n\n", "no usernames"),
    # A NUL reached the database's query of usernames: PostgreSQL refuses it, so the page was a 500 there.
    (b"username\nbo\x00\n", "Line 2: a name has a character no username has"),
    (b"bo\x07\n", "Line 1: a name has a character no username has"),
])
def test_a_roster_that_cannot_be_used_is_refused_with_the_reason(client, classroom, content, reason):
    client.force_login(_teacher(classroom))
    response = client.post(reverse("dashboard:class-roster", args=[classroom.pk]), {"roster": _roster(content)})
    assert response.status_code == 400
    assert reason in response.content.decode()
    assert Enrollment.objects.filter(classroom=classroom).count() == 2


def test_a_roster_post_without_a_file_is_refused(client, classroom):
    client.force_login(_teacher(classroom))
    response = client.post(reverse("dashboard:class-roster", args=[classroom.pk]), {})
    assert response.status_code == 400
    assert "Choose a CSV file" in response.content.decode()


# --- removing a learner ----------------------------------------------------------------------------

def test_removing_a_learner_asks_first_then_keeps_their_work(client, classroom):
    client.force_login(_teacher(classroom))
    ada = Learner.objects.get(user__username="ada")
    url = reverse("dashboard:class-learner-remove", args=[classroom.pk, ada.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Remove ada from" in confirm.content.decode()
    assert Enrollment.objects.filter(classroom=classroom, learner=ada).exists()  # a GET changes nothing

    response = client.post(url)
    assert response.status_code == 302
    assert not Enrollment.objects.filter(classroom=classroom, learner=ada).exists()
    assert Learner.objects.filter(pk=ada.pk).exists()
    page = client.get(response["Location"]).content.decode()
    assert "ada is no longer in" in page and f'data-learner="{ada.pk}"' not in page
    assert client.post(url).status_code == 404  # not in the class any more


def test_a_learner_of_another_class_cannot_be_removed_through_this_one(client, classroom, other_classroom):
    client.force_login(UserFactory(role="staff", is_staff=True))
    outsider = Learner.objects.get(enrollment__classroom=other_classroom)
    assert client.post(reverse("dashboard:class-learner-remove", args=[classroom.pk, outsider.pk])).status_code == 404
    assert Enrollment.objects.filter(classroom=other_classroom, learner=outsider).exists()


class _Layer:
    def __init__(self):
        self.sent = []

    async def group_send(self, group, message):
        self.sent.append((group, message))


@pytest.mark.parametrize("change", ["remove", "join", "roster"])
def test_an_enrolment_change_purges_the_cached_aggregates_and_tells_the_live_overview(
        client, classroom, monkeypatch, django_capture_on_commit_callbacks, change):
    layer = _Layer()
    monkeypatch.setattr(classes, "get_channel_layer", lambda: layer)
    for key in aggregates_cache_keys(classroom.pk):
        cache.set(key, "stale")
    if change == "join":
        client.force_login(_learner_user())
        request = lambda: client.post(reverse("dashboard:join"), {"code": classroom.join_code})
    else:
        client.force_login(_teacher(classroom))
        if change == "remove":
            ada = Learner.objects.get(user__username="ada")
            request = lambda: client.post(
                reverse("dashboard:class-learner-remove", args=[classroom.pk, ada.pk]))
        else:
            _learner_user("bo")
            request = lambda: client.post(
                reverse("dashboard:class-roster", args=[classroom.pk]), {"roster": _roster("bo\n")})
    with django_capture_on_commit_callbacks(execute=True):
        assert request().status_code == 302
    assert all(cache.get(key) is None for key in aggregates_cache_keys(classroom.pk))
    assert layer.sent == [(f"dashboard.class.{classroom.pk}", {"type": "class.changed"})]


# --- who may do what -------------------------------------------------------------------------------

def _visitor(kind: str, classroom, other_classroom):
    if kind == "anonymous":
        return None
    if kind == "learner":
        return Learner.objects.get(enrollment__classroom=classroom, kind="human").user
    if kind == "other_teacher":
        return other_classroom.teachers.get()
    if kind == "demoted_teacher":  # still listed as the class's teacher, but no longer holds the role
        user = UserFactory(role="learner", username="was-a-teacher")
        classroom.teachers.add(user)
        return user
    if kind == "teacher":
        return _teacher(classroom)
    return UserFactory(role="staff", is_staff=True, username="staff")


KINDS = ["anonymous", "learner", "other_teacher", "demoted_teacher", "teacher", "staff"]
PER_CLASS = {"anonymous": 302, "learner": 404, "other_teacher": 404, "demoted_teacher": 404}


def _request(client, route: str, classroom, kind: str):
    ada = Learner.objects.get(user__username="ada")
    if route == "classes":
        return client.get(reverse("dashboard:classes"))
    if route == "classes-create":
        return client.post(reverse("dashboard:classes"), {"name": f"New by {kind}", "course": classroom.course_id})
    if route == "manage":
        return client.get(reverse("dashboard:class-manage", args=[classroom.pk]))
    if route == "code":
        return client.post(reverse("dashboard:class-code", args=[classroom.pk]))
    if route == "roster":
        return client.post(reverse("dashboard:class-roster", args=[classroom.pk]), {"roster": _roster("ada\n")})
    if route == "remove-confirm":
        return client.get(reverse("dashboard:class-learner-remove", args=[classroom.pk, ada.pk]))
    if route == "remove":
        return client.post(reverse("dashboard:class-learner-remove", args=[classroom.pk, ada.pk]))
    return client.get(reverse("dashboard:join"))


ALLOWED = {"classes": 200, "classes-create": 302, "manage": 200, "code": 302, "roster": 302,
           "remove-confirm": 200, "remove": 302, "join": 200}
EXPECTED = {
    **{(route, kind): PER_CLASS.get(kind, allowed) for route, allowed in ALLOWED.items() for kind in KINDS},
    # The list and the create form are the teacher's own: no class to hide, a plain refusal.
    **{(route, kind): 403 for route in ("classes", "classes-create") for kind in ("learner", "demoted_teacher")},
    ("classes", "other_teacher"): 200, ("classes-create", "other_teacher"): 302,
    # Anyone signed in may join a class.
    **{("join", kind): 200 for kind in KINDS if kind != "anonymous"},
}


@pytest.mark.parametrize("route", list(ALLOWED))
@pytest.mark.parametrize("kind", KINDS)
def test_class_management_authorization_matrix(client, classroom, other_classroom, route, kind):
    user = _visitor(kind, classroom, other_classroom)
    if user is not None:
        client.force_login(user)
    code, enrolled = classroom.join_code, Enrollment.objects.filter(classroom=classroom).count()
    response = _request(client, route, classroom, kind)
    assert response.status_code == EXPECTED[route, kind]
    if kind == "anonymous":
        assert response["Location"].startswith(reverse("login"))
    if kind == "anonymous" or response.status_code in (403, 404):  # refused: nothing changed
        classroom.refresh_from_db()
        assert classroom.join_code == code
        assert Enrollment.objects.filter(classroom=classroom).count() == enrolled
        assert not Classroom.objects.filter(name=f"New by {kind}").exists()


def test_every_form_needs_its_csrf_token(classroom):
    client = Client(enforce_csrf_checks=True)
    client.force_login(_teacher(classroom))
    ada = Learner.objects.get(user__username="ada")
    for url in (reverse("dashboard:classes"), reverse("dashboard:class-code", args=[classroom.pk]),
                reverse("dashboard:class-roster", args=[classroom.pk]),
                reverse("dashboard:class-learner-remove", args=[classroom.pk, ada.pk]),
                reverse("dashboard:join")):
        assert client.post(url, {}).status_code == 403, url
    assert Enrollment.objects.filter(classroom=classroom).count() == 2
    for url in (reverse("dashboard:classes"), reverse("dashboard:class-manage", args=[classroom.pk]),
                reverse("dashboard:class-learner-remove", args=[classroom.pk, ada.pk]), reverse("dashboard:join")):
        forms = client.get(url).content.decode().count('method="post"')
        assert forms and client.get(url).content.decode().count("csrfmiddlewaretoken") >= forms, url
