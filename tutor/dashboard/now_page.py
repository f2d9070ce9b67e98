"""The "now" page of a class and its acknowledge button. The page renders every table as a fragment
into an element marked `data-live="<its name>"`, and the class's socket (consumers.py, `?view=now`)
sends fresh copies of the same fragments, so no table on the page stays stale (dashboard.js swaps them)."""

import re

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST

from tutor.learning.models import Classroom

from .now import ACTIVE, BOTTOM_OUTS_IN_A_ROW, SESSION_GAP, WHEEL_SPIN_ATTEMPTS, AlertGone, alert_acknowledge, class_now
from .services import class_group
from .views import _classroom, anonymising

FRAGMENTS = {
    "now_alerts": "dashboard/_now_alerts.html",
    "now_working": "dashboard/_now_working.html",
    "now_idle": "dashboard/_now_idle.html",
    "now_away": "dashboard/_now_away.html",
}
RULES = {"active_minutes": int(ACTIVE.total_seconds() // 60), "session_gap_minutes": int(SESSION_GAP.total_seconds() // 60),
         "wheel_spin_attempts": WHEEL_SPIN_ATTEMPTS, "bottom_outs": BOTTOM_OUTS_IN_A_ROW}
ALERT_VALUE = re.compile(r"(?P<learner>[0-9]{1,18}):(?P<reason>[a-z-]+:\S{1,100})")


def now_panels(classroom: Classroom, anon: str | None) -> dict:
    """{"html": {fragment name: HTML}} of the page as it is now, for the page and the socket alike."""
    data = class_now(classroom=classroom, anon=anon)
    context = {"classroom": classroom, "anon": anon, "now": data, "at": data.at}
    return {"html": {element: render_to_string(template, context) for element, template in FRAGMENTS.items()}}


@login_required
@anonymising
def now(request, classroom_id: int, anon: str | None):
    classroom = _classroom(request, classroom_id)
    return render(request, "dashboard/now.html", {
        "classroom": classroom, "anon": anon, "panels": now_panels(classroom, anon), "rules": RULES,
        "live_path": f"/ws/teach/class/{classroom.pk}/?view=now{f'&anon={anon}' if anon else ''}",
    })


@login_required
@require_POST
@anonymising
def acknowledge(request, classroom_id: int, anon: str | None):
    """Hides one alert (the button's value: "<learner id>:<alert key>") until a new reason arises,
    then back to the page; every open "now" page of the class redraws."""
    classroom = _classroom(request, classroom_id)
    chosen = ALERT_VALUE.fullmatch(request.POST.get("alert", ""))
    if chosen is None:
        return HttpResponseBadRequest("alert must be the acknowledge button's value: '<learner id>:<alert>'",
                                      content_type="text/plain; charset=utf-8")
    try:
        alert_acknowledge(classroom=classroom, learner_id=int(chosen["learner"]), reason=chosen["reason"],
                          user=request.user)
    except AlertGone as gone:
        return HttpResponse(f"{gone}: it went away or changed since the page was drawn; reload the page.",
                            status=409, content_type="text/plain; charset=utf-8")
    transaction.on_commit(lambda: async_to_sync(get_channel_layer().group_send)(
        class_group(classroom.pk), {"type": "class.changed"}))
    page = reverse("dashboard:now", args=[classroom.pk])
    return redirect(f"{page}?anon={anon}" if anon else page)
