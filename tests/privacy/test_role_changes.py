"""Access after a change of role, class, enrolment or account (issue 18, Deliver 9): on every URL the
resolver knows and every socket route, a person or program who lost access answers exactly as someone
who never had it, even while holding a session cookie or a token issued before the change.

Each actor is compared with a reference actor, request by request (status, and where a redirect
goes): a teacher taken out of the teacher role with a learner who never taught, a teacher taken off
the class with the teacher of another class, a deactivated account's session with no session at all,
a deactivated owner's API token with a revoked token, a learner whose enrolment was removed with a
learner never enrolled. The URLs are read from the resolver and the socket routes from
tutor/routing.py, so a new endpoint is in the matrix as soon as it exists; a path parameter this
file cannot fill fails the test until it is added to `_fill`."""

import re
from dataclasses import dataclass
from io import StringIO

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.tutor.factories import ClassroomFactory, HumanLearnerFactory, UserFactory
from tutor.accounts.models import ApiClient, User
from tutor.asgi import application
from tutor.content.models import Course, Item
from tutor.learning.assignments import assignment_create
from tutor.learning.models import Assignment, Classroom, Enrollment, Learner, TutorTurn
from tutor.learning.services import cohort_attach, cohort_create
from tutor.learning.tutoring import tutor_turn_take
from tutor.routing import websocket_urlpatterns

# actor -> the reference actor whose answers it must give
REFERENCE = {
    "teacher out of the teacher role": "learner who never taught",
    "teacher taken off the class": "teacher of another class",
    "deactivated teacher's session": "anonymous",
    "deactivated staff's session": "anonymous",
    "deactivated owner's token": "revoked token",
    "learner whose enrolment was removed": "learner never enrolled",
}
# What each actor could do before the change (so that the comparison is not between two refusals
# that were refusals already): route names -> status before the change.
BEFORE = {
    "teacher out of the teacher role": {"dashboard:overview": 200, "learner-attempts": 200},
    "teacher taken off the class": {"dashboard:overview": 200, "learner-attempts": 200},
    "deactivated teacher's session": {"dashboard:overview": 200, "learner-attempts": 200},
    "deactivated staff's session": {"admin:index": 200, "dashboard:overview": 200},
    "deactivated owner's token": {"learner-attempts": 200, "learner-mastery": 200},
    "learner whose enrolment was removed": {"progress": 200},
}


@dataclass
class World:
    course: Course
    classroom: Classroom
    learner: Learner  # a human learner of the class who has practised
    model_student: Learner  # the client's model-student, in a cohort attached to the class
    turn: TutorTurn
    item: Item
    owner: ApiClient
    assignment: Assignment  # set to the class, open


def _token(client: ApiClient) -> str:
    token = client.issue_token()
    client.save()
    return token


@pytest.fixture
def world(valid_pack_path):
    call_command("load_course", str(valid_pack_path), stdout=StringIO())
    course = Course.objects.get(slug="tiny")
    item = Item.objects.get(course=course, key="add-1")
    classroom = ClassroomFactory(course=course)
    learner = HumanLearnerFactory()
    Enrollment.objects.create(classroom=classroom, learner=learner)
    tutor_turn_take(learner=learner, item=item, source="web", step_key="sum", answer="7")
    owner = ApiClient(name="owner", owner=UserFactory(role=User.Role.TEACHER))
    owner.issue_token()
    owner.save()
    cohort = cohort_create(api_client=owner, course=course, planner="mastery", size=2)
    cohort_attach(cohort=cohort, classroom=classroom)
    model_student = cohort.learners.order_by("pk").first()
    turn = tutor_turn_take(learner=model_student, item=item, source="api", step_key="sum", answer="6").turn
    assignment = assignment_create(classroom=classroom, user=None, title="Adding", kc_keys=["add"], item_ids=[],
                                   due_at=None)
    return World(course, classroom, learner, model_student, turn, item, owner, assignment)


def _signed_in(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def _teacher_of(classroom) -> User:
    teacher = UserFactory(role=User.Role.TEACHER)
    classroom.teachers.add(teacher)
    return teacher


def _holding_token(api_client: ApiClient) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {_token(api_client)}")


def actor_before(name: str, world: World) -> tuple[Client, callable]:
    """The actor as it was, and the change that takes its access away (or should)."""
    if name == "teacher out of the teacher role":
        user = _teacher_of(world.classroom)
        return _signed_in(user), lambda: User.objects.filter(pk=user.pk).update(role=User.Role.LEARNER)
    if name == "teacher taken off the class":
        user = _teacher_of(world.classroom)
        ClassroomFactory(course=world.course).teachers.add(user)  # and still teaches another class
        return _signed_in(user), lambda: world.classroom.teachers.remove(user)
    if name == "deactivated teacher's session":
        user = _teacher_of(world.classroom)
        return _signed_in(user), lambda: User.objects.filter(pk=user.pk).update(is_active=False)
    if name == "deactivated staff's session":
        user = UserFactory(role=User.Role.STAFF, is_staff=True, is_superuser=True)
        return _signed_in(user), lambda: User.objects.filter(pk=user.pk).update(is_active=False)
    if name == "deactivated owner's token":
        # The owner of the client that owns the model-student; the token was issued before.
        browser = _holding_token(world.owner)
        return browser, lambda: User.objects.filter(pk=world.owner.owner_id).update(is_active=False)
    if name == "learner whose enrolment was removed":
        learner = HumanLearnerFactory()
        Enrollment.objects.create(classroom=world.classroom, learner=learner)
        tutor_turn_take(learner=learner, item=world.item, source="web", step_key="sum", answer="7")
        return _signed_in(learner.user), lambda: Enrollment.objects.filter(learner=learner).delete()
    raise AssertionError(name)


def reference(name: str, world: World) -> Client:
    if name == "anonymous":
        return Client()
    if name == "learner who never taught":
        return _signed_in(UserFactory(role=User.Role.LEARNER))
    if name == "teacher of another class":
        return _signed_in(_teacher_of(ClassroomFactory(course=world.course)))
    if name == "revoked token":
        return _holding_token(ApiClient.objects.create(name="revoked", token_hash="-", is_active=False))
    if name == "learner never enrolled":
        learner = HumanLearnerFactory()
        tutor_turn_take(learner=learner, item=world.item, source="web", step_key="sum", answer="7")
        return _signed_in(learner.user)
    raise AssertionError(name)


# ---- every route, filled -------------------------------------------------------------------------

def _routes(resolver=None, prefix="", namespace=""):
    """(route, name, pattern) for every URL pattern the resolver knows, includes followed."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _routes(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), f"{namespace}{entry.name}" if entry.name else "", entry


def _fill(route: str, world: World, **learners) -> str:
    """A concrete path for the route: the world's own ids, so that a caller with access gets data
    (`learners`: other ids for the parameters that name a learner, `learner` and `learner_id`)."""
    values = {
        "learner": world.model_student.pk, "turn": world.turn.pk, "cohort": world.model_student.cohort_id,
        "classroom_id": world.classroom.pk, "assignment_id": world.assignment.pk, "course": world.course.slug,
        "kc": "add",
        "learner_id": world.learner.pk, "app_label": "learning", "object_id": str(world.learner.pk),
        "id": str(world.learner.user_id), "content_type_id": "1", "url": "nothing/",
    } | learners

    def value(match: re.Match) -> str:
        name = match.group(1)
        assert name in values, f"{route}: add a value for <{name}> to _fill"
        return str(values[name])

    # Regex routes (admin's app index and catch-all) name their groups (?P<name>...), paths <type:name>.
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", value, route).replace("^", "").replace("$", "")
    path = re.sub(r"<(?:\w+:)?(\w+)>", value, path)
    return "/" + path


def _body(name: str, world: World) -> dict:
    """A well-formed body for the API's writes, so that a refusal is about who asks, not what."""
    learner = world.model_student.pk
    return {
        "learner-list": {"course": "tiny", "external_id": "new"},
        "learner-attempts": {"item": world.item.pk, "correct": True},
        "learner-tutor": {"message": "help", "item": world.item.pk},
        "cohort-list": {"course": "tiny", "size": 2},
        "attempt-batch": {"attempts": [{"learner": learner, "item": world.item.pk, "correct": True}]},
    }.get(name, {})


def requests(world: World) -> list[tuple[str, str, str, dict]]:
    """(name, method, path, body) for every route: GET, then POST, then DELETE under the API, the
    logout last (it ends the session the rest need)."""
    gets, posts, deletes, last = [], [], [], []
    for route, name, _ in _routes():
        path = _fill(route, world)
        gets.append((name, "get", path, {}))
        if route.startswith("admin/"):
            continue  # every admin view refuses a GET first; the login form is the same either way
        (last if name == "logout" else posts).append((name, "post", path, _body(name, world)))
        if route.startswith("api/"):
            deletes.append((name, "delete", path, {}))
    return gets + posts + deletes + last


def answer(browser: Client, method: str, path: str, body: dict) -> tuple:
    kwargs = {"content_type": "application/json"} if method != "get" else {}
    response = getattr(browser, method)(path, body or None, **kwargs) if method != "delete" else browser.delete(path)
    return response.status_code, response.get("Location", "")


@pytest.mark.django_db
@pytest.mark.parametrize("who", list(REFERENCE))
def test_every_route_answers_an_actor_who_lost_access_as_one_who_never_had_it(who, world):
    browser, change = actor_before(who, world)
    named = {name: (method, path, body) for name, method, path, body in requests(world) if method == "get"}
    before = {name: answer(browser, *named[name])[0] for name in BEFORE[who]}
    assert before == BEFORE[who], who
    change()
    other = reference(REFERENCE[who], world)
    differences = []
    for name, method, path, body in requests(world):
        expected, got = answer(other, method, path, body), answer(browser, method, path, body)
        if got != expected:
            differences.append((method.upper(), path, f"got {got}, like {REFERENCE[who]}: {expected}"))
    assert differences == [], "\n".join(map(str, [who, *differences]))


@pytest.mark.django_db
def test_every_route_is_in_the_matrix(world):
    """Every route has a concrete path (a new path parameter fails here first, by name)."""
    paths = [_fill(route, world) for route, _, _ in _routes()]
    assert len(paths) > 40 and any(path.startswith("/api/v1/learners/") for path in paths)


LEARNER_PARAMETERS = ("<int:learner>", "<int:learner_id>")


@pytest.mark.django_db
def test_a_learner_taken_out_of_the_class_is_gone_for_its_teacher_on_every_route(world):
    """The other side of a removed enrolment: on every route that names a learner, the class's
    teacher gets what they get for a learner never in the class; the class's exports leave them out."""
    teacher = _signed_in(_teacher_of(world.classroom))
    routes = [route for route, _, _ in _routes() if any(p in route for p in LEARNER_PARAMETERS)]
    assert len(routes) >= 10

    def answers(human: Learner, model: Learner) -> list[tuple]:
        return [answer(teacher, "get", _fill(route, world, learner=model.pk, learner_id=human.pk), {})
                for route in routes]

    seen = answers(world.learner, world.model_student)
    assert seen.count((200, "")) >= 10, seen  # the class's teacher read them, human and model-student
    exports = ("attempts.csv", "mastery.csv")
    names = (world.learner.user.username, world.model_student.label)
    for export in exports:
        rows = teacher.get(f"/teach/class/{world.classroom.pk}/{export}").content.decode()
        assert all(name in rows for name in names), export
    Enrollment.objects.filter(learner__in=[world.learner, world.model_student]).delete()
    stranger = HumanLearnerFactory()
    tutor_turn_take(learner=stranger, item=world.item, source="web", step_key="sum", answer="7")
    model_stranger = cohort_create(api_client=world.owner, course=world.course, planner="mastery", size=1).learners.get()
    assert answers(world.learner, world.model_student) == answers(stranger, model_stranger)
    for export in exports:
        rows = teacher.get(f"/teach/class/{world.classroom.pk}/{export}").content.decode()
        assert not any(name in rows for name in names), export


# ---- every socket route --------------------------------------------------------------------------

# Before the change: what each actor's session opened (a token opens no socket; a learner is no teacher).
OPEN, NOT_SIGNED_IN, NOT_A_TEACHER = ("accepted",), ("closed", 4401), ("closed", 4403)
SOCKETS_BEFORE = {
    "teacher out of the teacher role": [OPEN, OPEN],
    "teacher taken off the class": [OPEN, OPEN],
    "deactivated teacher's session": [OPEN, OPEN],
    "deactivated staff's session": [OPEN, OPEN],
    "deactivated owner's token": [NOT_SIGNED_IN, NOT_SIGNED_IN],
    "learner whose enrolment was removed": [OPEN, NOT_A_TEACHER],
}


def _socket(browser: Client, path: str) -> WebsocketCommunicator:
    """A socket through the deployed stack (origin check, session cookie, auth middleware), carrying
    the browser's session cookie if it has one."""
    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    if (cookie := browser.cookies.get(settings.SESSION_COOKIE_NAME)) is not None:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie.value}".encode()))
    return WebsocketCommunicator(application, path, headers=headers)


async def _socket_answer(browser: Client, path: str) -> tuple:
    communicator = _socket(browser, path)
    connected, code = await communicator.connect(timeout=10)
    await communicator.disconnect()  # after a refusal too, as the server does: the consumer ends cleanly
    return OPEN if connected else ("closed", code)


def socket_paths(world: World) -> list[str]:
    assert len(websocket_urlpatterns) == len(next(iter(SOCKETS_BEFORE.values())))
    return [_fill(str(pattern.pattern), world) for pattern in websocket_urlpatterns]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("channel_layer_of_this_test")
@pytest.mark.parametrize("who", list(REFERENCE))
async def test_every_socket_route_answers_an_actor_who_lost_access_as_one_who_never_had_it(who, world):
    browser, change = await database_sync_to_async(actor_before)(who, world)
    paths = await database_sync_to_async(socket_paths)(world)
    assert [await _socket_answer(browser, path) for path in paths] == SOCKETS_BEFORE[who]
    await database_sync_to_async(change)()
    other = await database_sync_to_async(reference)(REFERENCE[who], world)
    for path in paths:
        assert await _socket_answer(browser, path) == await _socket_answer(other, path), (who, path)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("channel_layer_of_this_test")
async def test_a_practice_socket_open_when_its_account_is_deactivated_takes_no_more_answers(world):
    learner = await database_sync_to_async(HumanLearnerFactory)()
    browser = await database_sync_to_async(_signed_in)(learner.user)
    communicator = _socket(browser, "/ws/practice/")
    assert (await communicator.connect(timeout=10))[0]

    async def answer(text: str) -> dict:
        await communicator.send_json_to({"type": "answer", "item": world.item.pk, "step": "sum", "answer": text})
        while (message := await communicator.receive_json_from(timeout=10))["type"] not in ("done", "error"):
            pass
        return message

    assert (await answer("6"))["type"] == "done"
    await database_sync_to_async(User.objects.filter(pk=learner.user_id).update)(is_active=False)
    refused = await answer("7")
    assert refused["type"] == "error" and refused["error"] == "signed_out", refused
    assert await communicator.receive_output(timeout=5) == {"type": "websocket.close", "code": 4401}
    assert await database_sync_to_async(learner.attempts.count)() == 1
