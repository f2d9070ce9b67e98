"""Teacher dashboard pages and CSV exports. Every class page answers 404 unless the user teaches the
class (or is staff), so a class one may not see is indistinguishable from one that does not exist."""

import csv
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render

from tutor.learning.engine import course_engine
from tutor.learning.models import Attempt, Enrollment

from . import figures
from .panels import overview_panels
from .pseudonyms import BadToken, new_token, pseudonyms, token_from
from .selectors import (
    can_teach,
    class_overview,
    classroom_for_teacher,
    kc_order,
    learner_detail,
    learner_in_classroom,
    learner_name,
    teacher_classrooms,
)
from .work import learner_work


def _classroom(request, classroom_id: int):
    classroom = classroom_for_teacher(user=request.user, classroom_id=classroom_id)
    if classroom is None:
        raise Http404("no such class among the classes you teach")
    return classroom


def anonymising(view):
    """Reads `?anon=TOKEN` (pseudonyms.py) and passes it to the view as `anon` (None: names shown);
    a malformed token is answered 400 with the reason, before the view reads anything."""
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            anon = token_from(request.GET.get("anon"))
        except BadToken as error:
            return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
        return view(request, *args, anon=anon, **kwargs)
    return wrapped


@login_required
def index(request):
    if not can_teach(request.user):
        raise PermissionDenied("the dashboard is for teachers")
    return render(request, "dashboard/index.html", {"classrooms": teacher_classrooms(user=request.user)})


@login_required
@anonymising
def overview(request, classroom_id: int, anon: str | None):
    classroom = _classroom(request, classroom_id)
    data = class_overview(classroom=classroom)
    panels = overview_panels(classroom, data, anon)
    return render(request, "dashboard/overview.html", {
        "classroom": classroom, "anon": anon, "overview": data, "panels": panels,
        "figures": {"heatmap": panels["heatmap"], "activity": panels["activity"]},
        # A new order each time anonymising is switched on (pseudonyms.py).
        "new_token": new_token(),
        "live_path": f"/ws/teach/class/{classroom.pk}/",  # tutor/routing.py
    })


@login_required
@anonymising
def learner(request, classroom_id: int, learner_id: int, anon: str | None):
    classroom = _classroom(request, classroom_id)
    found = learner_in_classroom(classroom=classroom, learner_id=learner_id)
    if found is None:
        raise Http404("no such learner in this class")
    if anon:
        enrolled = Enrollment.objects.filter(classroom=classroom).values_list("learner_id", flat=True)
        name = pseudonyms(enrolled, anon)[found.pk]
    else:
        name = learner_name(found)
    detail = learner_detail(classroom=classroom, learner=found)
    engine = course_engine(classroom.course)
    kcs = kc_order(engine)
    return render(request, "dashboard/learner.html", {
        "classroom": classroom, "anon": anon, "name": name, "detail": detail,
        "work": learner_work(learner=found, course_id=classroom.course_id),
        "curve_table": figures.curve_table(detail, kcs, engine.kc_names),
        "recall_table": figures.recall_table(detail, engine.kc_names),
        "figures": {
            "curves": figures.figure_json(figures.learning_curves(detail, kcs, engine.kc_names)),
            "recall": figures.figure_json(figures.recall_figure(detail, engine.kc_names)),
        },
    })


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(text: str) -> str:
    """Learners' own text, defused so a spreadsheet never runs it as a formula (OWASP CSV injection);
    plain negative numbers stay numbers."""
    if text.startswith(FORMULA_STARTS) and not _number(text):
        return "'" + text
    return text


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _csv_response(filename: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv",
                            headers={"Content-Disposition": f'attachment; filename="{filename}"'})
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


@login_required
@anonymising
def mastery_csv(request, classroom_id: int, anon: str | None):
    """Levels for a spreadsheet, with the tracer's numbers behind them (P(mastered) and its sd) for
    whoever analyses them; anonymised, the learner ids are left out too."""
    classroom = _classroom(request, classroom_id)
    data = class_overview(classroom=classroom)
    header = (["learner_id", "learner", "kind", "answers", "correct"] + [f"{kc} level" for kc in data.kcs]
              + [f"{kc} p" for kc in data.kcs] + [f"{kc} sd" for kc in data.kcs])
    rows = ([None if anon else data.learners[n].id, csv_safe(name), data.learners[n].kind, data.learners[n].attempts,
             data.learners[n].correct] + [cell.level.name for cell in data.levels[n]] + data.p[n] + data.sd[n]
            for n, name in figures.shown_learners(data, anon))
    return _csv_response(f"class-{classroom.pk}-mastery.csv", header, rows)


@login_required
def attempts_csv(request, classroom_id: int):
    classroom = _classroom(request, classroom_id)
    attempts = (Attempt.objects.filter(learner__enrollment__classroom=classroom, item__course_id=classroom.course_id)
                .select_related("learner__user", "learner__api_client", "item").order_by("id"))
    header = ["attempt_id", "learner_id", "learner", "item", "step", "answer", "verdict", "misconception",
              "answered_at", "source"]
    rows = ([a.pk, a.learner_id, csv_safe(learner_name(a.learner)), a.item.key, a.step_key, csv_safe(a.raw_answer), a.verdict,
             a.misconception_label, a.answered_at.isoformat(), a.source] for a in attempts.iterator(chunk_size=2000))
    return _csv_response(f"class-{classroom.pk}-attempts.csv", header, rows)
