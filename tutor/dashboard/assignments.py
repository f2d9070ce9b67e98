"""A teacher's assignments for a class: set skills or problems with an optional due time, close one,
and see each learner's progress on it (tutor.learning.assignments steers the planner meanwhile).

Every page answers 404 unless the user teaches the class (selectors.classroom_for_teacher), and an
assignment is found only through its own class. Each page reads a fixed number of rows per kind, not
per learner: the progress page counts answers per learner in one grouped query.
"""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tutor.content.models import Item, KnowledgeComponent
from tutor.learning.assignments import (
    NOTHING_CHOSEN,
    AssignmentInvalid,
    assignment_close,
    assignment_create,
    is_open,
    kc_mastered,
)
from tutor.learning.engine import course_engine
from tutor.learning.models import Assignment, Attempt, Classroom, Enrollment, LearnerState

from .selectors import classroom_for_teacher, learner_name

DUE_FORMAT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends


def _classroom(request, classroom_id: int) -> Classroom:
    classroom = classroom_for_teacher(user=request.user, classroom_id=classroom_id)
    if classroom is None:
        raise Http404("no such class among the classes you teach")
    return classroom


def _assignment(classroom: Classroom, assignment_id: int) -> Assignment:
    assignment = (Assignment.objects.filter(classroom=classroom, pk=assignment_id)
                  .prefetch_related(Prefetch("kcs", KnowledgeComponent.objects.order_by("id")),
                                    Prefetch("items", Item.objects.order_by("id")))).first()
    if assignment is None:
        raise Http404("no such assignment in this class")
    assignment.classroom = classroom  # already read: no second query for it
    return assignment


class AssignmentForm(forms.Form):
    title = forms.CharField(label="Name", max_length=200, error_messages={
        "required": "Give the assignment a name, for example “Fractions before Friday”."})
    kcs = forms.MultipleChoiceField(label="Skills", required=False)
    items = forms.TypedMultipleChoiceField(label="Problems", coerce=int, required=False)
    due_at = forms.DateTimeField(label="Due (optional)", required=False, input_formats=[DUE_FORMAT])

    def __init__(self, *args, kcs: list[KnowledgeComponent], items: list[Item], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kcs"].choices = [(kc.key, kc.name) for kc in kcs]
        self.fields["items"].choices = [(item.pk, item.key) for item in items]
        self.fields["kcs"].error_messages["invalid_choice"] = "One of the chosen skills is not part of this course."
        self.fields["items"].error_messages["invalid_choice"] = "One of the chosen problems is not part of this course."
        self.fields["due_at"].error_messages["invalid"] = "Give the due time as a date and a time, or leave it empty."

    def clean(self):
        data = super().clean()
        if not data.get("kcs") and not data.get("items") and not self.has_error("kcs") and not self.has_error("items"):
            raise forms.ValidationError(NOTHING_CHOSEN)  # said with the other problems, not after them
        return data


def _course_material(classroom: Classroom) -> tuple[list[KnowledgeComponent], list[Item]]:
    kcs = list(KnowledgeComponent.objects.filter(course_id=classroom.course_id).order_by("id"))
    items = list(Item.objects.filter(course_id=classroom.course_id, template__isnull=True)
                 .prefetch_related("kcs").order_by("id"))
    return kcs, items


def _grouped(kcs: list[KnowledgeComponent], items: list[Item], chosen: set[str],
             ) -> list[tuple[KnowledgeComponent, list[Item], bool]]:
    """The course's problems under their first skill, in the course's order, for the form; each
    skill's list shows open only where the form comes back with one of its problems chosen (a
    course's every problem at once makes a phone page thousands of pixels tall)."""
    first = {item.pk: min((kc.pk for kc in item.kcs.all()), default=None) for item in items}
    grouped = [(kc, [item for item in items if first[item.pk] == kc.pk]) for kc in kcs]
    return [(kc, listed, any(str(item.pk) in chosen for item in listed)) for kc, listed in grouped]


@login_required
def assignments(request, classroom_id: int):
    """The class's assignments, open ones first, and the form to set a new one."""
    classroom = _classroom(request, classroom_id)
    kcs, items = _course_material(classroom)
    form = AssignmentForm(request.POST or None, kcs=kcs, items=items)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                assignment = assignment_create(classroom=classroom, user=request.user, title=data["title"],
                                               kc_keys=data["kcs"], item_ids=data["items"], due_at=data["due_at"])
            except AssignmentInvalid as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"“{assignment.title}” is set. Until it is due or closed, its learners "
                                          "practise only what it names.")
                return redirect("dashboard:assignment", classroom.pk, assignment.pk)
        status = 400
    now = timezone.now()
    listed = list(Assignment.objects.filter(classroom=classroom).prefetch_related(
        Prefetch("kcs", KnowledgeComponent.objects.order_by("id"))).annotate(problems=Count("items", distinct=True))
        .order_by("-created_at", "-id"))
    for assignment in listed:
        assignment.open = is_open(assignment, now)
    listed.sort(key=lambda a: not a.open)
    chosen_items = {str(v) for v in form["items"].value() or []}
    return render(request, "dashboard/assignments.html", {
        "classroom": classroom, "form": form, "assignments": listed, "groups": _grouped(kcs, items, chosen_items),
        "chosen_kcs": set(form["kcs"].value() or []), "chosen_items": chosen_items,
    }, status=status)


@dataclass(frozen=True)
class LearnerProgress:
    id: int
    name: str
    answered: int  # final answers on assigned material since it was set (skips aside)
    right: int
    skills_mastered: int
    problems_done: int  # assigned problems answered right since it was set
    finished: bool

    @property
    def status(self) -> str:
        return "Finished" if self.finished else "Working on it" if self.answered else "Not started"


def assignment_progress(assignment: Assignment) -> list[LearnerProgress]:
    """Each learner of the class on this assignment, by name; five queries whatever the class size
    (learners, answers grouped per learner, problems done, learner states, the engine's version)."""
    classroom = assignment.classroom
    kcs = [kc.key for kc in assignment.kcs.all()]
    items = [item.pk for item in assignment.items.all()]
    enrolments = (Enrollment.objects.filter(classroom=classroom).select_related("learner__user", "learner__api_client"))
    learners = sorted((e.learner for e in enrolments), key=lambda learner: (learner_name(learner).casefold(), learner.pk))
    in_class = Q(learner__enrollment__classroom=classroom)
    since = Attempt.objects.filter(in_class, item__course_id=classroom.course_id, step_key="",
                                   recorded_at__gte=assignment.created_at).exclude(verdict=Attempt.Verdict.SKIPPED_)
    on_material = since.filter(Q(item_id__in=items) | Q(item__kcs__key__in=kcs))
    right = Q(verdict=Attempt.Verdict.CORRECT_)
    totals = {row["learner_id"]: row for row in on_material.values("learner_id").annotate(
        n=Count("id", distinct=True), right=Count("id", filter=right, distinct=True))}
    done = dict(since.filter(right, item_id__in=items).values("learner_id")
                .annotate(n=Count("item_id", distinct=True)).values_list("learner_id", "n")) if items else {}
    engine = course_engine(classroom.course)
    states = dict(LearnerState.objects.filter(in_class, course_id=classroom.course_id)
                  .values_list("learner_id", "tracer_state"))
    rows = []
    for learner in learners:
        mastery = engine.tracer.mastery(states[learner.pk]) if states.get(learner.pk) else {}
        mastered = sum(kc in mastery and kc_mastered(mastery[kc].p, mastery[kc].sd) for kc in kcs)
        total = totals.get(learner.pk, {})
        problems = done.get(learner.pk, 0)
        rows.append(LearnerProgress(learner.pk, learner_name(learner), total.get("n", 0), total.get("right", 0),
                                    mastered, problems, mastered == len(kcs) and problems == len(items)))
    return rows


@login_required
def assignment(request, classroom_id: int, assignment_id: int):
    """One assignment: what it names, when it is due, and each learner's progress on it."""
    classroom = _classroom(request, classroom_id)
    found = _assignment(classroom, assignment_id)
    rows = assignment_progress(found)
    return render(request, "dashboard/assignment.html", {
        "classroom": classroom, "assignment": found, "open": is_open(found), "rows": rows,
        "finished": sum(row.finished for row in rows),
    })


@login_required
@require_POST
def assignment_close_view(request, classroom_id: int, assignment_id: int):
    """Close the assignment now: its learners practise the whole course again."""
    classroom = _classroom(request, classroom_id)
    found = _assignment(classroom, assignment_id)
    assignment_close(assignment=found)
    messages.success(request, f"“{found.title}” is closed. Its learners practise the whole course again.")
    return redirect("dashboard:assignment", classroom.pk, found.pk)

