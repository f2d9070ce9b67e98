"""The planners page: how the planners did in this class (real learners, with 95% intervals and what
such a comparison can and cannot show), a comparison on simulated learners the teacher starts here
(comparisons.py) with its progress, and benchmark runs imported from the command line."""

import re

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from . import figures
from .comparisons import (
    CLASS_PLANNER_WORDS,
    JOB_TIME_LIMIT,
    MAX_LEARNERS,
    MAX_TAUGHT,
    ComparisonForm,
    ComparisonJob,
    ComparisonRefused,
    comparison_latest,
    comparison_start,
    job_status,
    mean_interval,
)
from .models import BenchmarkRun
from .selectors import class_planner_outcomes
from .views import _classroom


def _class_rows(outcomes) -> list[dict]:
    """Each planner of the class's learners, named in words (a planner the page has no words for by its name)."""
    return [{"outcome": outcome, "label": CLASS_PLANNER_WORDS.get(outcome.planner, outcome.planner),
             "interval": mean_interval(outcome.posttests)} for outcome in outcomes]


def _page(request, classroom, form: ComparisonForm, refused: str = "", status: int = 200):
    runs = list(BenchmarkRun.objects.only("id", "name", "imported_at")[:20])
    chosen = request.GET.get("run")
    # ASCII digits of a size a row id can have: str.isdigit() also accepts "²", which is no number.
    run = BenchmarkRun.objects.filter(pk=chosen).first() if chosen and re.fullmatch(r"[0-9]{1,18}", chosen) else None
    run = run or (BenchmarkRun.objects.first() if runs else None)
    comparison = class_planner_outcomes(classroom=classroom)
    rows = _class_rows(comparison.outcomes)
    job = comparison_latest(classroom=classroom)
    shown = {"class": figures.figure_json(figures.class_planner_figure(rows))}
    baseline = ""
    if job is not None and job.status == ComparisonJob.Status.DONE:
        shown["simulated"] = figures.figure_json(figures.comparison_figure(job.cells))
        baseline = CLASS_PLANNER_WORDS.get(job.cells[0]["baseline"], job.cells[0]["baseline"])
    if run:
        shown["benchmark"] = figures.figure_json(figures.benchmark_figure(run.cells))
    return render(request, "dashboard/curriculum.html", {
        "classroom": classroom, "runs": runs, "run": run, "outcomes": comparison.outcomes, "class_rows": rows,
        "computed_at": comparison.computed_at, "figures": shown, "form": form, "refused": refused,
        "job": job, "baseline": baseline, "job_open": job is not None and job.status in ComparisonJob.OPEN,
        "max_learners": MAX_LEARNERS, "max_taught": MAX_TAUGHT, "time_limit_minutes": JOB_TIME_LIMIT // 60,
    }, status=status)


@login_required
@require_GET
def curriculum(request, classroom_id: int):
    classroom = _classroom(request, classroom_id)
    return _page(request, classroom, ComparisonForm())


@login_required
@require_POST
def comparison_new(request, classroom_id: int):
    """Start a comparison; the page again with the reasons (400, or 409 while one runs) when it cannot."""
    classroom = _classroom(request, classroom_id)
    form = ComparisonForm(request.POST)
    if not form.is_valid():
        return _page(request, classroom, form, status=400)
    try:
        comparison_start(classroom=classroom, user=request.user, params=form.cleaned_data)
    except ComparisonRefused as refusal:
        return _page(request, classroom, form, refused=str(refusal), status=409)
    # 303: the browser GETs the page (which shows the progress), and a reload does not post again.
    return HttpResponseRedirect(reverse("dashboard:curriculum", args=[classroom.pk]) + "#simulated-heading", status=303)


@login_required
@require_GET
def comparison_progress(request, classroom_id: int):
    """The class's latest comparison, for the page's progress bar."""
    classroom = _classroom(request, classroom_id)
    return JsonResponse(job_status(comparison_latest(classroom=classroom)))
