"""Writes to the learning record. The attempt log is append-only: these functions only add to it."""

from datetime import datetime

from django.db import IntegrityError, transaction

from psikt.checking import CORRECT, INCORRECT, MAX_INPUT_CHARS, MISCONCEPTION, UNREADABLE, CheckResult, check_answer
from psikt.llm.learner_text import ANSWER, read_learner_text
from tutor.accounts.models import User
from tutor.content.models import Item
from tutor.content.selectors import item_answer

from . import events
from .models import Attempt, Classroom, Cohort, Enrollment, Learner, LearnerState, TutorTurn
from .observations import StepVisit

MAX_ANSWER_CHARS = MAX_INPUT_CHARS  # one limit: the checker, the answer preview and the page's input agree
MAX_COHORT_SIZE = 500


class TimeWentBackwards(ValueError):
    """A learner's clock may run ahead (simulated time) but never backwards."""


def learner_for_user(*, user) -> Learner:
    learner, _ = Learner.objects.get_or_create(user=user, defaults={"kind": Learner.Kind.HUMAN})
    return learner


class LearnerLog:
    """One learner's log as a turn and a serving read and write it, a query at a time, each write at
    once: the path of a single answer. The cohort step reads and writes many learners' in bulk with
    the same methods (stepping.CohortLog); the turn's logic (tutoring, knowledge) is the same for both."""

    def __init__(self, learner_id: int):
        self.learner_id = learner_id

    def visit(self, item: Item, step_key: str, visit: int) -> StepVisit:
        return StepVisit.read(learner_id=self.learner_id, item=item, step_key=step_key, visit=visit)

    def keyed(self, idempotency_key: str) -> Attempt | None:
        return Attempt.objects.filter(learner_id=self.learner_id, idempotency_key=idempotency_key).first()

    def last_answered(self) -> datetime | None:
        return (Attempt.objects.filter(learner_id=self.learner_id).order_by("-id")
                .values_list("answered_at", flat=True).first())

    def solving(self, item: Item, step_key: str, visit: int) -> Attempt:
        return Attempt.objects.filter(learner_id=self.learner_id, item=item, step_key=step_key, visit=visit,
                                      verdict=Attempt.Verdict.CORRECT_).order_by("id").first()

    def last_attempt(self, state: LearnerState) -> Attempt | None:
        """The state's last answer (None before the first). The lock's query joins it, but on
        PostgreSQL a lock that had to wait re-reads only the locked state row: the joined attempt is
        still the one of the row first seen (or none). Attempts never change, so a joined attempt
        with the id the re-read row names is right; any other is read again (issue 18, defect 5)."""
        if state.last_attempt_id is None:
            return None
        attempt = state.last_attempt
        if attempt is None or attempt.pk != state.last_attempt_id:
            attempt = Attempt.objects.only("answered_at", "visit").get(pk=state.last_attempt_id)
            state.last_attempt = attempt
        return attempt

    def turn_of(self, attempt: Attempt) -> TutorTurn | None:
        return TutorTurn.objects.filter(attempt=attempt).first()

    def shares(self, planner, state: LearnerState, keep: dict) -> list | None:
        """For a learner about to start (no planner state yet): the other learners' contributions to
        the planner's pool over the course, when it pools and needs them; None when nothing is pooled."""
        if state.planner_state or not planner.share_key or not planner.pool_needed(keep):
            return None
        return list(LearnerState.objects.filter(course_id=state.course_id, planner=state.planner)
                    .exclude(pk=state.pk).values_list(f"planner_state__{planner.share_key}", flat=True))

    def attempt_add(self, attempt: Attempt) -> tuple[Attempt, bool]:
        try:
            with transaction.atomic():
                attempt.save()
        except IntegrityError:
            # A concurrent request with the same key won the race: its attempt is the answer.
            if attempt.idempotency_key:
                existing = self.keyed(attempt.idempotency_key)
                if existing is not None:
                    return existing, False
            raise
        return attempt, True

    def turn_add(self, turn: TutorTurn) -> TutorTurn:
        turn.save()
        return turn

    def turn_generate_later(self, turn: TutorTurn, generate) -> None:
        """Have `generate(turn id)` write a pending turn's text once the transaction commits."""
        transaction.on_commit(lambda: generate(turn.pk), robust=True)

    def state_saved(self, state: LearnerState, fields: list[str] | None = None) -> None:
        state.save(update_fields=fields)

    def answer_published(self, state: LearnerState) -> None:
        events.publish(events.answer_recorded, learner_id=state.learner_id)

    def attempts_stored(self) -> None:
        """Every attempt added so far has its id (here at once; the bulk log inserts them now)."""


def attempt_decide(
    *, log, learner_id: int, item: Item, raw_answer: str, answered_at: datetime, source: str, step_key: str,
    idempotency_key: str, request_fingerprint: str, graded: bool | None, visit: int, step_visit: StepVisit,
    expected,
) -> tuple[Attempt, bool]:
    """Check an answer and build its log entry, reading the learner's log through `log`; returns
    (attempt, created), the attempt not yet stored when created (`log.attempt_add` stores it).

    `graded` is for simulators that grade themselves: the outcome is taken as given, unchecked.
    The same idempotency key returns the attempt stored the first time (`request_fingerprint`, stored
    with the key, lets the caller tell a re-sent request from another). Text the checker cannot read
    is read as words (`psikt.llm.learner_text`): an answer in words is checked as the answer it names, the
    raw text is stored as typed. `visit` is the learner's visit of the item and `step_visit` the step
    so far in it: they decide whether the answer is evidence, and a step already solved in the visit
    takes no new answer (the solving attempt is returned). `expected()`: the checker's (spec, mistakes).
    """
    if idempotency_key and (existing := log.keyed(idempotency_key)):
        return existing, False
    last = log.last_answered()
    if last is not None and answered_at < last:
        raise TimeWentBackwards(f"answered_at {answered_at.isoformat()} is before the previous answer at {last.isoformat()}")
    if step_visit.solved:
        return log.solving(item, step_key, visit), False
    if graded is None:
        spec, mistakes = expected()
        result = check_answer(spec, raw_answer[:MAX_ANSWER_CHARS], mistakes)
        if result.verdict == UNREADABLE:
            # An answer in words ("I think it's 4"): its verdict is that of the answer it names; the
            # log keeps what the learner typed.
            reading = read_learner_text(raw_answer[:MAX_ANSWER_CHARS])
            if reading.kind == ANSWER:
                result = check_answer(spec, reading.answer, mistakes)
    else:
        result = CheckResult(CORRECT if graded else INCORRECT)
    attempt = Attempt(
        learner_id=learner_id,
        item=item,
        step_key=step_key,
        raw_answer=raw_answer[:MAX_ANSWER_CHARS],
        verdict=result.verdict,
        misconception_label=result.misconception.label if result.verdict == MISCONCEPTION else "",
        check_note=result.reason[:300],
        answered_at=answered_at,
        idempotency_key=idempotency_key,
        request_fingerprint=request_fingerprint,
        source=source,
        visit=visit,
        rung=step_visit.rung,
        counts=step_visit.answer_counts(result.verdict),
    )
    return attempt, True


def attempt_record(
    *,
    learner: Learner,
    item: Item,
    raw_answer: str,
    answered_at: datetime,
    source: str,
    step_key: str = "",
    idempotency_key: str = "",
    request_fingerprint: str = "",
    graded: bool | None = None,
    visit: int = 0,
    step_visit: StepVisit | None = None,
) -> tuple[Attempt, bool]:
    """Check an answer and append it to the log (attempt_decide, then stored); returns (attempt, created)."""
    log = LearnerLog(learner.pk)
    if step_visit is None:
        step_visit = log.visit(item, step_key, visit)
    attempt, created = attempt_decide(
        log=log, learner_id=learner.pk, item=item, raw_answer=raw_answer, answered_at=answered_at, source=source,
        step_key=step_key, idempotency_key=idempotency_key, request_fingerprint=request_fingerprint, graded=graded,
        visit=visit, step_visit=step_visit, expected=lambda: item_answer(item=item, step_key=step_key))
    return log.attempt_add(attempt) if created else (attempt, False)


def attempt_skip_record(*, learner: Learner, item: Item, answered_at: datetime, visit: int) -> Attempt:
    """Log that the learner moved on from an item without answering it: never evidence, but the
    teacher and the learner's data export see it."""
    attempt = Attempt(learner=learner, item=item, raw_answer="", verdict=Attempt.Verdict.SKIPPED_,
                      answered_at=answered_at, source=Attempt.Source.WEB, visit=visit, counts=False)
    attempt.save()
    return attempt


def model_learner_create(*, api_client, course, planner: str, label: str = "") -> LearnerState:
    """A model-student of the client with its (still empty) state in the course."""
    with transaction.atomic():
        learner = Learner.objects.create(kind=Learner.Kind.MODEL, api_client=api_client, label=label)
        return LearnerState.objects.create(learner=learner, course=course, planner=planner)


def cohort_create(*, api_client, course, planner: str, size: int, name: str = "") -> Cohort:
    """A cohort and its `size` model-students (labelled "cohort<id>-<n>"), all or none of them."""
    if not 1 <= size <= MAX_COHORT_SIZE:
        raise ValueError(f"a cohort has 1 to {MAX_COHORT_SIZE} learners, not {size}")
    with transaction.atomic():
        cohort = Cohort.objects.create(api_client=api_client, course=course, planner=planner, name=name)
        learners = Learner.objects.bulk_create(
            Learner(kind=Learner.Kind.MODEL, api_client=api_client, label=f"cohort{cohort.pk}-{n}", cohort=cohort)
            for n in range(1, size + 1)
        )
        LearnerState.objects.bulk_create(
            LearnerState(learner=learner, course=course, planner=planner) for learner in learners
        )
    return cohort


class CohortCourseMismatch(ValueError):
    """A class studies one course; a cohort of another course cannot join it."""


def cohort_attach(*, cohort: Cohort, classroom) -> int:
    """Enrol the cohort's learners in the class (its teachers then read them); returns how many
    were not enrolled there yet. Attaching twice changes nothing."""
    if classroom.course_id != cohort.course_id:
        raise CohortCourseMismatch(f"{cohort} studies another course than the class {classroom}")
    learner_ids = set(cohort.learners.values_list("pk", flat=True))
    learner_ids -= set(Enrollment.objects.filter(classroom=classroom).values_list("learner_id", flat=True))
    Enrollment.objects.bulk_create(
        (Enrollment(classroom=classroom, learner_id=pk) for pk in sorted(learner_ids)), ignore_conflicts=True
    )
    return len(learner_ids)


DEMO_PASSWORD = "demo-password"
DEMO_LEARNERS = ("ada", "ben", "chloe")


def demo_class_seed(*, course) -> dict[str, str]:
    """A teacher, a few learners and their class, for trying the app locally. Returns the logins."""
    def account(username: str, role: str, **extra) -> User:
        user, created = User.objects.get_or_create(username=username, defaults={"role": role, **extra})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        return user

    teacher = account("teacher", User.Role.TEACHER)
    staff = account("admin", User.Role.STAFF, is_staff=True, is_superuser=True)
    classroom, _ = Classroom.objects.get_or_create(name="Demo class", course=course)
    classroom.teachers.add(teacher)
    for username in DEMO_LEARNERS:
        learner = learner_for_user(user=account(username, User.Role.LEARNER))
        Enrollment.objects.get_or_create(classroom=classroom, learner=learner)
    return {user.username: DEMO_PASSWORD for user in (staff, teacher)} | {name: DEMO_PASSWORD for name in DEMO_LEARNERS}
