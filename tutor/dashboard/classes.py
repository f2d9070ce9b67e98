"""Class management without the admin: a teacher creates a class, shares its join code (or replaces it to
revoke the old one), imports a roster CSV and removes learners; a learner joins with a code.

Every class page answers 404 unless the user teaches the class (or is staff), through the dashboard's
one access helper (selectors.classroom_for_teacher), like the other class pages. Every change of who
is enrolled purges the class's cached aggregates and tells its live overview, after the commit.
"""

import csv
import io
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tutor.content.models import Course
from tutor.learning.models import JOIN_CODE_LENGTH, Classroom, Enrollment, Learner, join_code_new
from tutor.learning.services import learner_for_user
from tutor.ops.outage import CACHE_DOWN, outage_warn

from .selectors import can_teach, classroom_for_teacher, learner_name, teacher_classrooms
from .services import class_aggregates_invalidate, class_group

logger = logging.getLogger(__name__)

# Wrong codes one account may enter per window before the join page refuses for a while. Counted in the
# shared cache (Redis), which every server process sees; with the cache down the page goes on without
# counting: a code is ~40 bits (learning.models.JOIN_CODE_ALPHABET), far beyond what an outage admits.
JOIN_FAILURES_ALLOWED = 10
JOIN_FAILURES_WINDOW = 15 * 60  # seconds

ROSTER_MAX_BYTES = 64 * 1024
ROSTER_MAX_LINES = 1000


def _classroom(request, classroom_id: int) -> Classroom:
    classroom = classroom_for_teacher(user=request.user, classroom_id=classroom_id)
    if classroom is None:
        raise Http404("no such class among the classes you teach")
    return classroom


def _must_teach(user) -> None:
    if not can_teach(user):
        raise PermissionDenied("managing classes is for teachers")


def _enrolment_changed(classroom_id: int) -> None:
    """After the commit: purge the class's cached aggregates and have its live overview redraw."""
    def tell():
        class_aggregates_invalidate(classroom_ids=[classroom_id])
        async_to_sync(get_channel_layer().group_send)(class_group(classroom_id), {"type": "class.changed"})

    transaction.on_commit(tell)


# --- the teacher's classes -------------------------------------------------------------------------

class ClassroomForm(forms.ModelForm):
    name = forms.CharField(label="Class name", max_length=200)
    course = forms.ModelChoiceField(Course.objects.order_by("title"), empty_label=None)

    class Meta:
        model = Classroom
        fields = ("name", "course")


@login_required
def classes(request):
    """The teacher's classes with how many learners each has, and a form for a new one."""
    _must_teach(request.user)
    form = ClassroomForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            with transaction.atomic():
                classroom = form.save()
                classroom.teachers.add(request.user)
            messages.success(request, f"Class “{classroom.name}” created. Share its join code with your learners.")
            return redirect("dashboard:class-manage", classroom.pk)
        status = 400
    else:
        status = 200
    return render(request, "dashboard/classes.html", {
        "classrooms": teacher_classrooms(user=request.user), "form": form,
    }, status=status)


def _enrolled(classroom: Classroom) -> list[tuple[Learner, str]]:
    learners = (Learner.objects.filter(enrollment__classroom=classroom).select_related("user", "api_client")
                .order_by("user__username", "label", "pk"))
    return [(learner, learner_name(learner)) for learner in learners]


@login_required
def class_manage(request, classroom_id: int):
    """Who is in the class, its join code and the roster import."""
    classroom = _classroom(request, classroom_id)
    return _manage_page(request, classroom)


def _manage_page(request, classroom: Classroom, *, roster_errors=(), status: int = 200):
    return render(request, "dashboard/classes_manage.html", {
        "classroom": classroom, "enrolled": _enrolled(classroom), "roster_errors": roster_errors,
        "roster_max_lines": ROSTER_MAX_LINES, "roster_max_kib": ROSTER_MAX_BYTES // 1024,
    }, status=status)


@login_required
@require_POST
def code_replace(request, classroom_id: int):
    """A new join code for the class; the old one stops working at once."""
    classroom = _classroom(request, classroom_id)
    classroom.join_code = join_code_new()
    classroom.save(update_fields=["join_code"])
    messages.success(request, "New join code made. The old code no longer works.")
    return redirect("dashboard:class-manage", classroom.pk)


@login_required
def learner_remove(request, classroom_id: int, learner_id: int):
    """GET asks to confirm; POST takes the learner out of the class (their work is kept)."""
    classroom = _classroom(request, classroom_id)
    enrolment = (Enrollment.objects.select_related("learner__user", "learner__api_client")
                 .filter(classroom=classroom, learner_id=learner_id).first())
    if enrolment is None:
        raise Http404("no such learner in this class")
    name = learner_name(enrolment.learner)
    if request.method == "POST":
        enrolment.delete()
        _enrolment_changed(classroom.pk)
        messages.success(request, f"{name} is no longer in {classroom.name}.")
        return redirect("dashboard:class-manage", classroom.pk)
    return render(request, "dashboard/classes_remove.html", {"classroom": classroom, "name": name,
                                                             "learner_id": learner_id})


# --- roster import ----------------------------------------------------------------------------------

class RosterError(ValueError):
    """The roster as a whole cannot be read (too big, not text)."""


def roster_usernames(data: bytes) -> list[tuple[int, str]]:
    """(line number, username) for each non-blank line of a roster CSV: the username is the first
    column; a first line reading "username" is a header and skipped."""
    if len(data) > ROSTER_MAX_BYTES:
        raise RosterError(f"The file is larger than {ROSTER_MAX_BYTES // 1024} KB. Split it into smaller files.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RosterError("The file is not plain text (UTF-8). Save it as CSV and try again.") from None
    rows = []
    try:
        for row in csv.reader(io.StringIO(text)):
            username = row[0].strip() if row else ""
            line = len(rows) + 1
            rows.append((line, username))
    except csv.Error as error:
        raise RosterError(f"The file could not be read as CSV: {error}.") from None
    named = [(line, name) for line, name in rows if name]
    for line, name in named:
        if not name.isprintable():  # a NUL or another control character (PostgreSQL refuses a NUL in a query)
            raise RosterError(f"Line {line}: a name has a character no username has. Save the file as CSV "
                              f"text and try again.")
    if named and named[0][0] == 1 and named[0][1].casefold() == "username":
        named = named[1:]
    if len(named) > ROSTER_MAX_LINES:
        raise RosterError(f"The file has more than {ROSTER_MAX_LINES} names. Split it into smaller files.")
    if not named:
        raise RosterError("The file has no usernames in it.")
    return named


@login_required
@require_POST
def roster_import(request, classroom_id: int):
    """Enrol every username of an uploaded CSV, or nobody: any line naming no learner account is
    reported with its number and nothing is written."""
    classroom = _classroom(request, classroom_id)
    upload = request.FILES.get("roster")
    if upload is None:
        return _manage_page(request, classroom, roster_errors=["Choose a CSV file to import."], status=400)
    try:
        # One byte past the cap is enough to know it is too big, without reading a huge upload.
        named = roster_usernames(upload.read(ROSTER_MAX_BYTES + 1))
    except RosterError as error:
        return _manage_page(request, classroom, roster_errors=[str(error)], status=400)
    users = {user.username: user for user in get_user_model().objects.filter(
        username__in={name for _, name in named}, is_active=True, role=get_user_model().Role.LEARNER)}
    errors = [f"Line {line}: there is no learner account called “{name}”." for line, name in named
              if name not in users]
    if errors:
        return _manage_page(request, classroom, roster_errors=errors, status=400)
    with transaction.atomic():
        learners = {learner_for_user(user=users[name]) for _, name in named}
        already = set(Enrollment.objects.filter(classroom=classroom, learner__in=learners)
                      .values_list("learner_id", flat=True))
        Enrollment.objects.bulk_create([Enrollment(classroom=classroom, learner=learner)
                                        for learner in learners if learner.pk not in already],
                                       ignore_conflicts=True)
        _enrolment_changed(classroom.pk)
    added = len(learners) - len(already)
    messages.success(request, f"Roster imported: {added} learner{'s' if added != 1 else ''} added, "
                              f"{len(already)} already in the class.")
    return redirect("dashboard:class-manage", classroom.pk)


# --- the learner's side -----------------------------------------------------------------------------

class JoinForm(forms.Form):
    code = forms.CharField(label="Class code", max_length=32, strip=True)

    def clean_code(self) -> str:
        # Read off a board or a message: spaces, dashes and lower case are all the same code.
        return "".join(self.cleaned_data["code"].split()).replace("-", "").upper()


def _failures_key(user) -> str:
    return f"dashboard:join-failures:{user.pk}"


def _join_failures(user) -> int:
    try:
        return cache.get(_failures_key(user), 0)
    except CACHE_DOWN as error:
        outage_warn(logger, "join codes tried without counting failures", error)
        return 0


def _join_failure_count(user) -> None:
    key = _failures_key(user)
    try:
        # add() starts the window once; incr() keeps its expiry.
        if not cache.add(key, 1, JOIN_FAILURES_WINDOW):
            cache.incr(key)
    except CACHE_DOWN as error:
        outage_warn(logger, "join codes tried without counting failures", error)
    except ValueError:  # the window ended between add() and incr()
        cache.add(key, 1, JOIN_FAILURES_WINDOW)


@login_required
def join(request):
    """A learner enters a class's join code and is in the class (entering it again changes nothing)."""
    form = JoinForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if request.user.may_teach:
            # A teacher's account in a class's learner list would be counted, steered by its assignments
            # and shown on its dashboard as a learner; the roster import refuses such accounts too.
            return _join_page(request, JoinForm(), 403, refusal="This is a teacher's account: only learner "
                                                                "accounts join a class. Your classes are under Teach.")
        if _join_failures(request.user) >= JOIN_FAILURES_ALLOWED:
            return _join_page(request, JoinForm(), 429, refusal="Too many wrong codes. Wait 15 minutes, then "
                                                                "try again, or ask your teacher to check the code.")
        if form.is_valid():
            code = form.cleaned_data["code"]
            classroom = (Classroom.objects.filter(join_code=code).first()
                         if len(code) == JOIN_CODE_LENGTH else None)
            if classroom is not None:
                _, created = Enrollment.objects.get_or_create(classroom=classroom,
                                                              learner=learner_for_user(user=request.user))
                if created:
                    _enrolment_changed(classroom.pk)
                messages.success(request, f"You are in the class “{classroom.name}”." if created
                                 else f"You were already in the class “{classroom.name}”.")
                return redirect("dashboard:join")
            _join_failure_count(request.user)
            form.add_error("code", "No class has this code. Check it with your teacher: "
                                   "codes are 8 letters and digits, and an old code stops working "
                                   "when your teacher makes a new one.")
        status = 400
    return _join_page(request, form, status)


def _join_page(request, form: JoinForm, status: int, refusal: str = ""):
    mine = (Classroom.objects.filter(enrollment__learner__user=request.user).select_related("course")
            .order_by("name", "pk"))
    return render(request, "dashboard/classes_join.html", {"form": form, "classrooms": mine,
                                                           "refusal": refusal}, status=status)

