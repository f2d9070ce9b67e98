"""The live "now" view of a class (MATHia's LiveLab): who is working, on which problem, for how long,
who has stopped, and alerts a teacher can acknowledge. Everything is read from the log by the server's
clock (Attempt.recorded_at, TutorTurn.created_at): an answer's own `answered_at` is the client's.

The rules (docs/dashboard.md says them for teachers):
- activity: an answer or a reply of the tutor (a hint asked for counts).
- a session: activity with no gap longer than SESSION_GAP; it started at its first activity. Only the
  last LOOKBACK is read, so an older start reads as "more than" LOOKBACK.
- working: the last activity at most ACTIVE ago; idle: longer, within SESSION_GAP; else not working now.
- the problem: the one the tutor last served (LearnerState.current_item), timed from the first activity
  in its visit or, before any, from the learner's last activity before it (leaving the problem before).
- alerts, for learners in a session (working or idle):
  - wheel-spinning (Beck & Gong 2013: 10 practice opportunities without mastery): at least
    WHEEL_SPIN_ATTEMPTS answers that count as evidence (Attempt.counts: a step's first answer in a
    visit, and the first after each new hint) on a skill practised in this session, and the skill not
    mastered (estimate below selectors.MASTERED, the progress page's threshold);
  - bottom-out hints: the tutor showed the answer (the ladder's last hint) BOTTOM_OUTS_IN_A_ROW times
    in this session with no right answer of the learner's own in between;
  - idle: stopped in the middle of a session.
- acknowledging an alert hides it until a new reason arises. An alert's key names its episode:
  wheel-spinning per skill and per further WHEEL_SPIN_ATTEMPTS answers without mastery, bottom-out
  hints per run after a right answer and per further BOTTOM_OUTS_IN_A_ROW, idle per stop.

At most nine queries whatever the class's size (a read with nothing to look up, e.g. the last answers
of those not working when everyone is, is skipped); the page's count is asserted in tests/dashboard/test_now.py."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.utils import timezone

from tutor.content.models import Item, Step
from tutor.learning.engine import course_engine
from tutor.learning.models import Attempt, Classroom, Learner, LearnerState, TutorTurn
from tutor.learning.observations import tracer_item_key

from .models import AlertAcknowledgement
from .pseudonyms import pseudonyms
from .selectors import MASTERED, learner_name
from .words import VERDICTS

ACTIVE = timedelta(minutes=5)
SESSION_GAP = timedelta(minutes=30)
LOOKBACK = timedelta(hours=4)
WHEEL_SPIN_ATTEMPTS = 10
BOTTOM_OUTS_IN_A_ROW = 3
BOTTOM_OUT = 3  # the hint ladder's last rung: the answer shown (Hint.Level)

WORKING, IDLE, AWAY = "working", "idle", "away"
# Most pressing first on the page.
ALERT_ORDER = ("wheel-spinning", "bottom-out", "idle")


@dataclass(frozen=True)
class Alert:
    learner_id: int
    name: str
    kind: str  # one of ALERT_ORDER
    key: str  # the kind and the episode: what an acknowledgement hides
    words: str  # the reason, for the teacher
    since: datetime

    @property
    def value(self) -> str:
        """The acknowledge button's value: which learner and which alert."""
        return f"{self.learner_id}:{self.key}"


@dataclass
class LearnerNow:
    learner_id: int
    name: str
    simulated: bool
    status: str = AWAY  # WORKING, IDLE or AWAY
    last_activity: datetime | None = None  # in the lookback (for AWAY: their last answer ever, if any)
    session_start: datetime | None = None
    session_answers: int = 0
    session_right: int = 0
    last_verdict: str = ""  # their latest answer in words
    problem: Item | None = None
    step: str = ""  # the prompt of the step they last worked on; empty for the final answer
    skills: list[str] = field(default_factory=list)
    on_problem_since: datetime | None = None


@dataclass(frozen=True)
class ClassNow:
    at: datetime
    learners: list[LearnerNow]
    alerts: list[Alert]  # not acknowledged, most pressing first
    acknowledged: int  # current alerts a teacher has acknowledged

    @property
    def working(self) -> list[LearnerNow]:
        return [learner for learner in self.learners if learner.status == WORKING]

    @property
    def idle(self) -> list[LearnerNow]:
        return [learner for learner in self.learners if learner.status == IDLE]

    @property
    def away(self) -> list[LearnerNow]:
        return [learner for learner in self.learners if learner.status == AWAY]


@dataclass(frozen=True)
class _Event:
    at: datetime
    item_id: int
    visit: int
    step_key: str
    attempt: tuple | None = None  # (id, verdict, counts) of an answer
    bottom_out: bool = False


def class_now(*, classroom: Classroom, anon: str | None = None, now: datetime | None = None) -> ClassNow:
    """Who in the class is doing what now, and the alerts not acknowledged; `anon` anonymises."""
    now = now or timezone.now()
    engine = course_engine(classroom.course)
    learners = list(Learner.objects.filter(enrollment__classroom=classroom).select_related("user", "api_client"))
    names = {learner.pk: learner_name(learner) for learner in learners}
    if anon:
        names = pseudonyms(names, anon)
    in_class = {"learner_id__in": names, "item__course_id": classroom.course_id}
    events = _session_events(in_class, now - LOOKBACK)
    states = {state.learner_id: state for state in LearnerState.objects.filter(
        learner_id__in=names, course_id=classroom.course_id).select_related("current_item__template")}
    rows = {pk: LearnerNow(pk, name, learner.kind == Learner.Kind.MODEL)
            for learner in learners for pk, name in [(learner.pk, names[learner.pk])]}
    for pk, row in rows.items():
        _session_read(row, events.get(pk, []), states.get(pk), now)
    in_session = [row for row in rows.values() if row.status != AWAY]
    _last_answers_read(in_class, [row for row in rows.values() if row.status == AWAY])
    _problems_read(engine, in_session)
    alerts = _alerts(engine, in_session, events, states, now, in_class)
    acknowledged = set(AlertAcknowledgement.objects.filter(classroom=classroom, learner_id__in=names)
                       .values_list("learner_id", "reason"))
    shown = [alert for alert in alerts if (alert.learner_id, alert.key) not in acknowledged]
    shown.sort(key=lambda alert: (ALERT_ORDER.index(alert.kind), alert.since, alert.name))
    return ClassNow(now, sorted(rows.values(), key=lambda row: row.name), shown, len(alerts) - len(shown))


def _session_events(in_class: dict, since: datetime) -> dict[int, list[_Event]]:
    """Each learner's answers and tutor replies since `since`, in time order (two queries)."""
    events: dict[int, list[_Event]] = defaultdict(list)
    for pk, learner_id, item_id, visit, step_key, verdict, counts, at in (
            Attempt.objects.filter(recorded_at__gte=since, **in_class)
            .values_list("id", "learner_id", "item_id", "visit", "step_key", "verdict", "counts", "recorded_at")):
        events[learner_id].append(_Event(at, item_id, visit, step_key, attempt=(pk, verdict, counts)))
    for learner_id, item_id, visit, step_key, hint_level, at in (
            TutorTurn.objects.filter(created_at__gte=since, **in_class)
            .values_list("learner_id", "item_id", "visit", "step_key", "hint_level", "created_at")):
        events[learner_id].append(_Event(at, item_id, visit, step_key, bottom_out=hint_level == BOTTOM_OUT))
    for mine in events.values():
        # An answer is stored before the reply it causes; at the same instant the answer comes first.
        mine.sort(key=lambda event: (event.at, event.attempt is None))
    return events


def _session(events: list[_Event]) -> list[_Event]:
    """The last run of events without a gap longer than SESSION_GAP."""
    start = len(events) - 1
    while start > 0 and events[start].at - events[start - 1].at <= SESSION_GAP:
        start -= 1
    return events[start:]


def _session_read(row: LearnerNow, events: list[_Event], state: LearnerState | None, now: datetime) -> None:
    if not events or now - events[-1].at > SESSION_GAP:
        return
    session = _session(events)
    answers = [event.attempt for event in session if event.attempt]
    row.status = WORKING if now - events[-1].at <= ACTIVE else IDLE
    row.last_activity, row.session_start = events[-1].at, session[0].at
    row.session_answers = len(answers)
    row.session_right = sum(verdict == Attempt.Verdict.CORRECT_ for _, verdict, _ in answers)
    row.last_verdict = VERDICTS.get(answers[-1][1], "") if answers else ""
    if state is None or state.current_item is None:
        return
    row.problem = state.current_item
    in_visit = [event for event in events if (event.item_id, event.visit) == (state.current_item_id, state.visit)]
    row.on_problem_since = (in_visit or events[-1:])[0].at
    row.step = in_visit[-1].step_key if in_visit else ""


def _last_answers_read(in_class: dict, away: list[LearnerNow]) -> None:
    """For learners not working now, when they last answered at all (one query)."""
    last = dict(Attempt.objects.filter(**(in_class | {"learner_id__in": [row.learner_id for row in away]}))
                .values("learner_id").annotate(last=Max("recorded_at")).values_list("learner_id", "last"))
    for row in away:
        row.last_activity = last.get(row.learner_id)


def _problems_read(engine, rows: list[LearnerNow]) -> None:
    """The step each learner is on, in words, and the skills of their problem (one query)."""
    prompts = {(step.item_id, step.key): step.prompt
               for step in Step.objects.filter(item_id__in={row.problem.pk for row in rows if row.problem})}
    for row in rows:
        if row.problem is None:
            continue
        row.step = prompts.get((row.problem.pk, row.step), "")
        kcs = engine.tracer.item_kcs.get(tracer_item_key(row.problem), ())
        row.skills = [engine.kc_names[kc] for kc in kcs]


def _alerts(engine, rows: list[LearnerNow], events: dict, states: dict, now: datetime, in_class: dict) -> list[Alert]:
    alerts = [Alert(row.learner_id, row.name, "idle", f"idle:{row.last_activity.isoformat()}",
                    f"Has done nothing for {duration(now - row.last_activity)}, in the middle of a session",
                    row.last_activity) for row in rows if row.status == IDLE]
    for row in rows:
        alert = _bottom_outs(row, _session(events[row.learner_id]))
        if alert:
            alerts.append(alert)
    alerts += _wheel_spinning(engine, rows, events, states, in_class)
    return alerts


def _bottom_outs(row: LearnerNow, session: list[_Event]) -> Alert | None:
    """The answer shown BOTTOM_OUTS_IN_A_ROW times or more since the learner's last right answer of
    their own (one that counts: a right answer after being shown it is no sign of knowing it)."""
    last_right = max((n for n, event in enumerate(session) if event.attempt and event.attempt[2]
                      and event.attempt[1] == Attempt.Verdict.CORRECT_), default=-1)
    shown = [event for event in session[last_right + 1:] if event.bottom_out]
    if len(shown) < BOTTOM_OUTS_IN_A_ROW:
        return None
    after = session[last_right].attempt[0] if last_right >= 0 else 0
    return Alert(row.learner_id, row.name, "bottom-out",
                 f"bottom-out:{after}:{len(shown) // BOTTOM_OUTS_IN_A_ROW}",
                 f"The tutor has shown the answer {len(shown)} times in a row, with no right answer of their own "
                 "in between", shown[BOTTOM_OUTS_IN_A_ROW - 1].at)


def _wheel_spinning(engine, rows: list[LearnerNow], events: dict, states: dict, in_class: dict) -> list[Alert]:
    """Skills practised in the session with WHEEL_SPIN_ATTEMPTS or more counted answers and no
    mastery (two queries: the session's items' skills, the counted answers per skill)."""
    session_items = {row.learner_id: {event.item_id for event in _session(events[row.learner_id])} for row in rows}
    item_kcs = defaultdict(set)
    for item_id, kc in Item.kcs.through.objects.filter(
            item_id__in=set().union(*session_items.values())).values_list("item_id", "knowledgecomponent__key"):
        item_kcs[item_id].add(kc)
    tried = {(learner_id, kc): (n, last) for learner_id, kc, n, last in (
        Attempt.objects.filter(**(in_class | {"learner_id__in": list(session_items)}), counts=True)
        .values("learner_id", "item__kcs__key").annotate(n=Count("id"), last=Max("recorded_at"))
        .values_list("learner_id", "item__kcs__key", "n", "last"))}
    alerts = []
    for row in rows:
        state = states.get(row.learner_id)
        mastery = engine.tracer.mastery(state.tracer_state if state and state.tracer_state
                                        else engine.tracer.new_learner())
        practised = sorted({kc for item_id in session_items[row.learner_id] for kc in item_kcs[item_id]})
        for kc in practised:
            n, last = tried.get((row.learner_id, kc), (0, None))
            if n >= WHEEL_SPIN_ATTEMPTS and mastery[kc].p < MASTERED:
                alerts.append(Alert(row.learner_id, row.name, "wheel-spinning",
                                    f"wheel-spinning:{kc}:{n // WHEEL_SPIN_ATTEMPTS}",
                                    f"Stuck on {engine.kc_names[kc]}: {n} tries at this skill without mastering it",
                                    last))
    return alerts


class AlertGone(LookupError):
    """The alert is not current (any more): the page was older than the learner's last move."""


def alert_acknowledge(*, classroom: Classroom, learner_id: int, reason: str, user) -> bool:
    """Hide a current alert of a learner of the class until a new reason arises; False when it was
    acknowledged already (by this teacher or another of the class). AlertGone when it is not current."""
    if AlertAcknowledgement.objects.filter(classroom=classroom, learner_id=learner_id, reason=reason).exists():
        return False
    current = class_now(classroom=classroom).alerts
    if not any(alert.learner_id == learner_id and alert.key == reason for alert in current):
        raise AlertGone(f"there is no such alert now for learner {learner_id} in this class")
    try:
        with transaction.atomic():
            AlertAcknowledgement.objects.create(classroom=classroom, learner_id=learner_id, reason=reason,
                                                acknowledged_by=user)
    except IntegrityError:
        return False
    return True


def duration(span: timedelta) -> str:
    """A time span as a teacher reads it: "under a minute", "7 min", "1 h 5 min"."""
    minutes = int(span.total_seconds() // 60)
    if minutes < 1:
        return "under a minute"
    hours, minutes = divmod(minutes, 60)
    return " ".join(part for part in (f"{hours} h" if hours else "", f"{minutes} min" if minutes else "") if part)
