import html

import plotly.graph_objects as go
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from plotly.offline import get_plotlyjs

from tutor.content.models import Course

from .knowledge import learner_state_locked, mastery_history, next_item_choose, review_schedule
from .services import learner_for_user
from .tutoring import mastery_summary


def reason_line(engine, reason: dict | None) -> str:
    """The planner's explanation in one line for the learner."""
    if not reason:
        return ""
    kc = reason.get("kc")
    rule = str(reason.get("rule", "")).replace("_", " ")
    if kc in engine.kc_names:
        return f"{engine.kc_names[kc]}: {rule}." if rule else f"practising {engine.kc_names[kc]}."
    return f"{rule}." if rule else ""


def _kc_rows(engine, mastery: dict[str, dict]) -> list[dict]:
    """KCs in the course's prerequisite order with the tracer's mastery, for the bars."""
    return [
        {"key": kc, "name": engine.kc_names[kc], "p": mastery[kc]["p"], "sd": mastery[kc]["sd"],
         "percent": round(100 * mastery[kc]["p"])}
        for kc in engine.domain.kcs
    ]


def _learner_state(request, slug: str):
    """The signed-in learner's up-to-date state in a course (the course must exist)."""
    course = get_object_or_404(Course, slug=slug)
    learner = learner_for_user(user=request.user)
    with transaction.atomic():
        state, engine = learner_state_locked(learner=learner, course=course)
    return course, learner, state, engine


@login_required
def course_home(request, course: str):
    course, _, state, engine = _learner_state(request, course)
    rows = _kc_rows(engine, mastery_summary(engine, state))
    return render(request, "learning/course_home.html", {"course": course, "kcs": rows})


@login_required
def practice(request, course: str):
    course, learner, state, engine = _learner_state(request, course)
    item, reason = state.current_item, state.current_reason
    if item is None:
        item, reason = next_item_choose(learner=learner, course=course)
    steps = list(item.steps.order_by("position").values("key", "prompt"))
    return render(request, "learning/practice.html", {
        "course": course, "item": item, "steps": steps, "reason": reason_line(engine, reason),
        "kcs": _kc_rows(engine, mastery_summary(engine, state)),
    })


@login_required
def progress(request, course: str):
    course, _, state, engine = _learner_state(request, course)
    history = mastery_history(state=state, engine=engine)
    figure = go.Figure(layout={
        "title": "Mastery after each answer", "yaxis": {"range": [0, 1], "title": "P(mastered)"},
        "xaxis": {"title": "answer", "tick0": 1, "dtick": max(1, len(history) // 10)}, "height": 420,
        "margin": {"t": 50},
    })
    for kc in engine.domain.kcs:
        if history:
            figure.add_trace(go.Scatter(x=list(range(1, len(history) + 1)), y=[p[kc] for _, p in history],
                                        mode="lines", name=html.escape(engine.kc_names[kc], quote=False)))
    schedule = review_schedule(state=state, engine=engine, now=timezone.now().timestamp())
    return render(request, "learning/progress.html", {
        "course": course, "answers": len(history), "schedule": schedule,
        "chart": figure.to_html(full_html=False, include_plotlyjs=False, div_id="mastery-history") if history else "",
    })


def plotly_js(request):
    """plotly.min.js from the installed plotly package, so pages never need a CDN."""
    return HttpResponse(get_plotlyjs(), content_type="application/javascript",
                        headers={"Cache-Control": "public, max-age=86400"})


@login_required
@require_POST
def practice_next(request, course: str):
    course = get_object_or_404(Course, slug=course)
    learner = learner_for_user(user=request.user)
    next_item_choose(learner=learner, course=course)
    return redirect("practice", course=course.slug)
