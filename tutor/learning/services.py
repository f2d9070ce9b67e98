"""Writes to the learning record. The attempt log is append-only: these functions only add to it."""

from datetime import datetime

from django.db import IntegrityError, transaction

from checking import CORRECT, INCORRECT, MAX_INPUT_CHARS, MISCONCEPTION, UNREADABLE, CheckResult, check_answer
from llm.learner_text import ANSWER, read_learner_text
from tutor.accounts.models import User
from tutor.content.models import Item
from tutor.content.selectors import item_answer

from .models import Attempt, Classroom, Cohort, Enrollment, Learner, LearnerState
from .observations import StepVisit

MAX_ANSWER_CHARS = MAX_INPUT_CHARS  # one limit: the checker, the answer preview and the page's input agree
MAX_COHORT_SIZE = 500


class TimeWentBackwards(ValueError):
    """A learner's clock may run ahead (simulated time) but never backwards."""


def learner_for_user(*, user) -> Learner:
    learner, _ = Learner.objects.get_or_create(user=user, defaults={"kind": Learner.Kind.HUMAN})
    return learner


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
    """Check an answer and append it to the log; returns (attempt, created).

    `graded` is for simulators that grade themselves: the outcome is taken as given, unchecked.
    The same idempotency key returns the attempt stored the first time and stores nothing new
    (`request_fingerprint`, stored with the key, lets the caller tell a re-sent request from another).
    Text the checker cannot read is read as words (`llm.learner_text`): an answer in words is
    checked as the answer it names, the raw text is stored as typed.
    `visit` is the learner's visit of the item and `step_visit` the step so far in it (read here
    when not given): they decide whether the answer is evidence, and a step already solved in the
    visit takes no new answer (the solving attempt is returned, nothing is stored).
    """
    if idempotency_key and (existing := Attempt.objects.filter(learner=learner, idempotency_key=idempotency_key).first()):
        return existing, False
    last = Attempt.objects.filter(learner=learner).order_by("-id").values_list("answered_at", flat=True).first()
    if last is not None and answered_at < last:
        raise TimeWentBackwards(f"answered_at {answered_at.isoformat()} is before the previous answer at {last.isoformat()}")
    if step_visit is None:
        step_visit = StepVisit.read(learner_id=learner.pk, item=item, step_key=step_key, visit=visit)
    if step_visit.solved:
        solving = Attempt.objects.filter(learner=learner, item=item, step_key=step_key, visit=visit,
                                         verdict=Attempt.Verdict.CORRECT_).order_by("id").first()
        return solving, False
    if graded is None:
        spec, mistakes = item_answer(item=item, step_key=step_key)
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
        learner=learner,
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
    try:
        with transaction.atomic():
            attempt.save()
    except IntegrityError:
        # A concurrent request with the same key won the race: its attempt is the answer.
        if idempotency_key:
            existing = Attempt.objects.filter(learner=learner, idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing, False
        raise
    return attempt, True


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
