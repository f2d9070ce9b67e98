"""The learner's pages: course home, practice (with its step-list and mastery fragments), progress.

Words on a page are for learners: skill names, mastery levels (levels.py) and plain sentences; no
model internals, move codes or item ids where a person reads them.
"""

import html
import json
import random
import re

import plotly.graph_objects as go
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, F, Max, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from plotly.colors import qualitative

from tutor.content.models import Course, Item

from . import knowledge, selectors
from .assignments import learner_assignments, reason_words
from .knowledge import learner_state_locked, mastery_history, next_item_choose, review_schedule
from .levels import mastery_level, progress_summary
from .models import Attempt, LearnerState, TutorTurn
from .observations import learner_attempts, observations
from .services import MAX_ANSWER_CHARS, LearnerLog, learner_for_user
from .tutoring import mastery_summary

OPEN = "open"  # a step's status in selectors.item_progress, beside "solved" and "told"
# The learner's line for the hint button and for an answer, as practice.js shows them.
HINT_BUTTON_WORDS, ANSWER_WORDS = "Can I have a hint?", "My answer: {}"


def reason_line(engine, reason: dict | None) -> str:
    """Why the planner chose the item, in words for the learner (never the planner's rule text); an
    assignment's words first when it steered the choice."""
    if not reason:
        return ""
    if "assignment" in reason:
        planner = {**reason, "rule": "assigned"} if "not_allowed" in reason else reason
        why = _planner_line(engine, planner)
        return f"{reason_words(reason['assignment'])}{'; ' + why if why else '.'}"
    return _planner_line(engine, reason)


def _planner_line(engine, reason: dict) -> str:
    kc = reason.get("kc")
    rule = str(reason.get("rule", "")).lower()
    if kc not in engine.kc_names:
        return "it was picked at random from the course." if "uniform" in rule else ""
    name = engine.kc_names[kc]
    if "review" in rule and "weakest" not in rule:
        return f"it reviews {name}, before it fades."
    if "weakest" in rule:
        return f"it practises {name}, your weakest skill so far."
    if "skip" in rule:
        return f"it practises {name}, instead of the problem you skipped."
    if rule == "assigned":  # the planner's own choice was not assigned: an assigned item instead
        return f"it practises {name}."
    return f"it practises {name}, the skill you are ready to work on next."


def _answers_per_kc(learner, course) -> dict[str, int]:
    """How many answers the learner gave on each KC of the course (per KC of the answered item)."""
    rows = (Attempt.objects.filter(learner=learner, item__course=course).exclude(verdict="skipped")
            .values("item__kcs__key")
            .annotate(n=Count("id")).values_list("item__kcs__key", "n"))
    return {kc: n for kc, n in rows if kc}


def _kc_rows(engine, mastery: dict[str, dict], answers: dict[str, int]) -> list[dict]:
    """KCs in the course's prerequisite order with their mastery level, for the lists."""
    rows = []
    for kc in engine.domain.kcs:
        level = mastery_level(p=mastery[kc]["p"], sd=mastery[kc]["sd"], answers=answers.get(kc, 0))
        rows.append({"key": kc, "name": engine.kc_names[kc], "level": level, "answers": answers.get(kc, 0),
                     "percent": level.percent or 0})
    return rows


def _learner_state(request, slug: str):
    """The signed-in learner's up-to-date state in a course (the course must exist)."""
    course = get_object_or_404(Course, slug=slug)
    learner = learner_for_user(user=request.user)
    with transaction.atomic():
        state, engine = learner_state_locked(learner=learner, course=course)
    return course, learner, state, engine


def _assignments(course, learner, state, engine) -> list:
    """What the learner's teachers assigned in this course and is still open, with their progress."""
    return learner_assignments(learner_id=learner.pk, course_id=course.pk, engine=engine,
                               tracer_state=state.tracer_state)


def _mastery_context(course, learner, state, engine) -> dict:
    rows = _kc_rows(engine, mastery_summary(engine, state), _answers_per_kc(learner, course))
    return {"kcs": rows, "summary": progress_summary([row["level"] for row in rows])}


# ---- the step list -------------------------------------------------------------------------------

def _choices(answer: dict, seed: str) -> list[dict]:
    """A choice step's options, shuffled in an order that stays the same for this learner."""
    choices = [{"key": str(c["key"]), "text": str(c["text"])} for c in answer.get("choices") or []]
    random.Random(seed).shuffle(choices)
    return choices


def _readable(value: str) -> str:
    """An author's answer as a learner writes it: 3*x + (3) = 12 as 3x + 3 = 12, other * as ×."""
    value = re.sub(r"(\d)\s*\*\s*(?=[A-Za-z(])", r"\1", value)
    value = re.sub(r"(^|[=+\-*/(]\s*)\((\d+(?:\.\d+)?)\)", r"\1\2", value)
    return value.replace("*", "\u00d7")


def _shown_answer(answer: dict, given: str | None) -> str:
    """The accepted answer of a locked step: the learner's own when they solved it, else the
    expected one (a choice by its text)."""
    value = str(answer.get("value", ""))
    for choice in answer.get("choices") or []:
        if str(choice["key"]) == value:
            return str(choice["text"])
    return given if given is not None else _readable(value)


def _step_list(learner, item: Item) -> dict:
    """The item's steps, then its final answer, each with its status: shown in order up to and
    including the first open one; later prompts are left out of the page until reached."""
    parts = [{"key": s["key"], "prompt": s["prompt"], "answer": s["answer"]}
             for s in item.steps.order_by("position").values("key", "prompt", "answer")]
    parts.append({"key": "", "prompt": "", "answer": item.answer, "final": True})
    status = selectors.item_progress(learner=learner, item=item)
    given = dict(Attempt.objects.filter(learner=learner, item=item, verdict="correct")
                 .order_by("id").values_list("step_key", "raw_answer"))
    shown = []
    for part in parts:
        part["status"] = status.get(part["key"], OPEN)
        part["id"] = part["key"] or "final"
        part["mode"] = part["answer"].get("mode")
        if part["mode"] == "choice":
            part["choices"] = _choices(part["answer"], f"{learner.pk}:{item.pk}:{part['key']}")
        if part["status"] != OPEN:
            part["shown_text"] = _shown_answer(part["answer"], given.get(part["key"]))
        del part["answer"]  # the expected answer never reaches the template of an open step
        shown.append(part)
        if part["status"] == OPEN:
            break
    done = shown[-1].get("final") and shown[-1]["status"] != OPEN
    return {"parts": shown, "done": done, "step_count": len(parts) - 1, "max_chars": MAX_ANSWER_CHARS}


def _visit_dialogue(learner, item: Item, visit: int) -> dict:
    """The stored dialogue of this visit of the item, oldest first, so that a reload shows what the
    page showed: `dialogue`, the learner's words or answers and the tutor's replies, as entries
    {"learner": bool, "text"}, and `reply_now`, the tutor's latest reply (the page's newest reply,
    which the script moves into the dialogue when the next turn starts). One query."""
    entries = []
    turns = (TutorTurn.objects.filter(learner=learner, item=item, visit=visit).order_by("id")
             .values_list("learner_text", "attempt__raw_answer", "text"))
    for words, answer, reply in turns:
        said = words or (ANSWER_WORDS.format(answer) if answer is not None else HINT_BUTTON_WORDS)
        entries += [{"learner": True, "text": said}, {"learner": False, "text": reply}]
    entries = [entry for entry in entries if entry["text"]]  # a reply a model has not written yet
    reply_now = entries.pop()["text"] if entries and not entries[-1]["learner"] else ""
    return {"dialogue": entries, "reply_now": reply_now}


# ---- pages ---------------------------------------------------------------------------------------

@login_required
def course_home(request, course: str):
    course, learner, state, engine = _learner_state(request, course)
    return render(request, "learning/course_home.html", {
        "course": course, "assignments": _assignments(course, learner, state, engine),
        **_mastery_context(course, learner, state, engine)})


@login_required
def practice(request, course: str):
    course, learner, state, engine = _learner_state(request, course)
    item, reason = state.current_item, state.current_reason
    if item is not None and knowledge.gives_way_to_assignment(state, engine, LearnerLog(learner.pk)):
        item = None  # an assignment opened since it was served: the planner serves its material instead
    # A reload shows the dialogue so far; a newly chosen item starts a visit with none.
    dialogue = _visit_dialogue(learner, item, state.visit) if item is not None else {}
    if item is None:
        item, reason = next_item_choose(learner=learner, course=course)
    return render(request, "learning/practice.html", {
        "course": course, "item": item, **dialogue,
        "reason": reason_line(engine, reason),
        **_step_list(learner, item), **_mastery_context(course, learner, state, engine),
    })


@login_required
@require_GET
def practice_steps(request, course: str):
    """The step list of the learner's item as an HTML fragment, for the page to show the next step."""
    course = get_object_or_404(Course, slug=course)
    learner = learner_for_user(user=request.user)
    item = selectors.learner_item(learner=learner, item_id=request.GET.get("item", ""))
    if item is None or item.course_id != course.pk:
        raise Http404("no such item in this course")
    return render(request, "learning/_steps.html", {"course": course, "item": item, **_step_list(learner, item)})


@login_required
@require_GET
def practice_mastery(request, course: str):
    """The mastery list as an HTML fragment, for the page to refresh after an answer."""
    course, learner, state, engine = _learner_state(request, course)
    return render(request, "learning/_mastery.html", _mastery_context(course, learner, state, engine))


@login_required
@require_POST
def practice_next(request, course: str):
    """The page's next button: after the final answer, the next item; before it, a skip (the
    planner records it and serves another item, or says there is nothing else)."""
    course = get_object_or_404(Course, slug=course)
    learner = learner_for_user(user=request.user)
    current = LearnerState.objects.filter(learner=learner, course=course).select_related("current_item").first()
    item = current.current_item if current else None
    if item is not None and selectors.item_progress(learner=learner, item=item).get("", OPEN) != OPEN:
        next_item_choose(learner=learner, course=course)  # finished: moving on is no skip
        return redirect("practice", course=course.slug)
    _, _, nothing_else = knowledge.next_item_skip(learner=learner, course=course)
    if nothing_else:  # the same item comes back: say why
        messages.info(request, "There is nothing else to practise right now, so this item stays.")
    return redirect("practice", course=course.slug)


@login_required
@require_POST
def practice_review(request, course: str, kc: str):
    """Start a review of one skill: the learner's current item becomes the item of that skill they
    answered least recently (never answered first). The planner has no "choose an item of this
    skill" yet, so this is the simplest honest choice."""
    course = get_object_or_404(Course, slug=course)
    learner = learner_for_user(user=request.user)
    items = (Item.objects.filter(course=course, kcs__key=kc, template__isnull=True)
             .annotate(last=Max("attempts__answered_at", filter=Q(attempts__learner=learner)))
             .order_by(F("last").asc(nulls_first=True), "id"))
    item = items.first()
    if item is None:
        raise Http404("no items for this skill")
    with transaction.atomic():
        state, _ = learner_state_locked(learner=learner, course=course)
        state.current_item, state.current_reason = item, {"kc": kc, "rule": "review"}
        state.visit += 1  # serving an item starts a new visit of it (selectors.item_progress)
        state.save(update_fields=["current_item", "current_reason", "visit", "updated_at"])
    return redirect("practice", course=course.slug)


def _first_answers(state, engine) -> dict[str, int]:
    """For each KC, the index in the learning curve (mastery_history) of its first answer."""
    first: dict[str, int] = {}
    attempts = learner_attempts(learner_id=state.learner_id, course_id=state.course_id)
    for n, seen in enumerate(observations(attempts.iterator())):
        for kc in engine.tracer.item_kcs.get(seen.key, ()):
            first.setdefault(kc, n)
    return first


def _history_figure(history, engine, first: dict[str, int]) -> go.Figure:
    """Mastery (%) after each answer, one line per skill the learner has answered, from its first
    answer on (before it the skill was not started), each in its own colour, the legend under the
    plot so that it never covers it on a phone."""
    answered = set(first)
    palette = qualitative.Dark24 + qualitative.Light24
    figure = go.Figure(layout={
        "yaxis": {"range": [0, 100], "title": {"text": "Mastery (%)"}, "ticksuffix": "%", "fixedrange": True},
        "xaxis": {"title": {"text": "Answers"}, "tick0": 1, "dtick": max(1, len(history) // 8), "fixedrange": True},
        "showlegend": True, "legend": {"orientation": "h", "x": 0, "xanchor": "left", "y": -0.12, "yanchor": "top"},
        "height": 460 + 22 * len(answered), "margin": {"t": 20, "l": 60, "r": 10},
        "hovermode": "x unified",
    })
    xs = list(range(1, len(history) + 1))
    for colour, kc in enumerate(k for k in engine.domain.kcs if k in answered):
        # Names are drawn as text (no markup): a course author's "<b>" stays "<b>" in the legend.
        figure.add_trace(go.Scatter(
            x=xs, y=[round(100 * p[kc], 1) if n >= first[kc] else None for n, (_, p) in enumerate(history)], mode="lines+markers" if len(xs) <= 30 else "lines",
            name=html.escape(engine.kc_names[kc], quote=False), line={"color": palette[colour % len(palette)], "width": 2},
            hovertemplate="%{y:.0f}%<extra>%{fullData.name}</extra>",
        ))
    return figure


def review_words(due_in_days: int | None) -> str:
    """When to review a skill (knowledge.review_schedule), in the learner's words, beside its level."""
    if due_in_days is None:
        return "Not needed: it should stay at this level"
    if due_in_days == 0:
        return "Now: it has probably slipped since you practised it"
    return f"In {due_in_days} day{'s' if due_in_days != 1 else ''}, before it slips"


@login_required
def progress(request, course: str):
    course, learner, state, engine = _learner_state(request, course)
    history = mastery_history(state=state, engine=engine)
    context = _mastery_context(course, learner, state, engine)
    answered = {row["key"] for row in context["kcs"] if row["answers"]}
    levels = {row["key"]: row["level"] for row in context["kcs"]}
    schedule = [row for row in review_schedule(state=state, engine=engine, now=timezone.now().timestamp())
                if row["kc"] in answered]  # a skill is reviewed once it was learnt here, not by transfer
    for row in schedule:
        row["level"] = levels.get(row["kc"])
        row["percent"] = round(100 * row["p"])
        row["when"] = review_words(row["due_in_days"])
    chart = None
    first = _first_answers(state, engine) if history else {}
    if first:
        # Plain JSON for json_script, drawn by static/js/progress.js: an inline script (Plotly's
        # to_html) is refused by the Content-Security-Policy (settings.CONTENT_SECURITY_POLICY).
        chart = json.loads(_history_figure(history, engine, first).to_json())
    return render(request, "learning/progress.html", {
        "course": course, "answers": len(history), "schedule": schedule, "chart": chart,
        "assignments": _assignments(course, learner, state, engine), **context,
    })
