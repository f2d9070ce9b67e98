"""Who learns, in which class, what they answered (an append-only log) and what is derived from it."""

import secrets

from django.conf import settings
from django.db import models

from psikt.checking import CORRECT, INCORRECT, MISCONCEPTION, UNREADABLE
from psikt.curriculum import DEFAULT_PLANNER

from .clock import server_now


class Learner(models.Model):
    """A human with an account, or a model-student owned by an API client."""

    class Kind(models.TextChoices):
        HUMAN = "human", "Human"
        MODEL = "model", "Model-student"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="learner"
    )
    api_client = models.ForeignKey(
        "accounts.ApiClient", null=True, blank=True, on_delete=models.CASCADE, related_name="learners"
    )
    label = models.CharField(max_length=100, blank=True, help_text="The API client's own name for a model-student.")
    # Removing a cohort keeps its learners: their attempt log is protected and may be attached elsewhere.
    cohort = models.ForeignKey("Cohort", null=True, blank=True, on_delete=models.SET_NULL, related_name="learners")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = (
            models.CheckConstraint(
                condition=models.Q(kind="human", user__isnull=False, api_client__isnull=True)
                | models.Q(kind="model", user__isnull=True, api_client__isnull=False),
                name="learner_owner_matches_kind",
            ),
            models.UniqueConstraint(
                # external_id is optional: only the labels a client gives must differ.
                fields=["api_client", "label"],
                condition=models.Q(kind="model") & ~models.Q(label=""),
                name="model_learner_label_unique_per_client",
            ),
        )

    def __str__(self) -> str:
        return self.user.get_username() if self.user_id else f"{self.api_client}:{self.label or self.pk}"


class Cohort(models.Model):
    """Model-students an API client created together for one course, e.g. a simulated class that a
    teacher's classroom can take in (cohort_attach)."""

    api_client = models.ForeignKey("accounts.ApiClient", on_delete=models.CASCADE, related_name="cohorts")
    course = models.ForeignKey("content.Course", on_delete=models.PROTECT, related_name="cohorts")
    planner = models.CharField(max_length=32, help_text="A name from psikt.curriculum.planner_names().")
    name = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.api_client}:{self.name or f'cohort {self.pk}'}"


# Join codes are read aloud and copied from a board: no 0/O, 1/I/L look-alikes. 8 of 31 symbols is
# about 40 bits, so guessing one (throttled per user where codes are entered) is hopeless.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 8


def join_code_new() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


class Classroom(models.Model):
    name = models.CharField(max_length=200)
    course = models.ForeignKey("content.Course", on_delete=models.PROTECT, related_name="classrooms")
    # A learner who enters it joins the class; a teacher replaces it to revoke the old one.
    join_code = models.CharField(max_length=JOIN_CODE_LENGTH, unique=True, default=join_code_new)
    teachers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="teaching", blank=True)
    learners = models.ManyToManyField(Learner, through="Enrollment", related_name="classrooms", blank=True)

    def __str__(self) -> str:
        return self.name


class Enrollment(models.Model):
    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE)
    learner = models.ForeignKey(Learner, on_delete=models.CASCADE)
    enrolled_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = (models.UniqueConstraint(fields=["classroom", "learner"], name="enrollment_unique"),)


class AppendOnlyError(RuntimeError):
    """Attempts are the source of truth; they are never edited or removed in place."""


class AttemptQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("attempts are append-only")

    def delete(self):
        raise AppendOnlyError("attempts are append-only")

    def erase_learner(self, learner_id: int) -> int:
        """The one exception to append-only: a learner's right to erasure (GDPR art. 17). Only
        tutor.privacy.services.learner_erase calls it, after removing the rows that protect attempts
        (tutor turns, learner states). Returns how many attempts were removed."""
        _, per_model = models.QuerySet.delete(self.filter(learner_id=learner_id))
        return per_model.get(Attempt._meta.label, 0)


class AttemptVerdict(models.TextChoices):
    CORRECT_ = CORRECT, "Correct"
    MISCONCEPTION_ = MISCONCEPTION, "Known misconception"
    INCORRECT_ = INCORRECT, "Incorrect"
    UNREADABLE_ = UNREADABLE, "Could not read"
    # Readable, but not the kind of answer asked (an expression for a number), or equal in value
    # but not in the form asked (a fraction where a decimal was asked): the checker says which.
    WRONG_KIND_ = "wrong_kind", "Not the kind of answer asked"
    WRONG_FORM_ = "wrong_form", "Equal, but not in the form asked"
    SKIPPED_ = "skipped", "Skipped"  # the learner moved on without answering (the page's "Next item")


class Attempt(models.Model):
    Verdict = AttemptVerdict

    class Source(models.TextChoices):
        WEB = "web", "Browser"
        API = "api", "REST API"
        IMPORT = "import", "Import"

    learner = models.ForeignKey(Learner, on_delete=models.PROTECT, related_name="attempts")
    item = models.ForeignKey("content.Item", on_delete=models.PROTECT, related_name="attempts")
    step_key = models.CharField(max_length=64, blank=True, help_text="Empty for the item's final answer.")
    raw_answer = models.TextField()
    verdict = models.CharField(max_length=16, choices=Verdict.choices)
    misconception_label = models.CharField(max_length=64, blank=True)
    # The learner's clock: wall time for people, simulated time (never backwards) for model-students.
    answered_at = models.DateTimeField()
    # The server's: when it stored the answer (clock.server_now: the wall clock, or the moment a replay
    # of history stands at).
    recorded_at = models.DateTimeField(default=server_now, editable=False)
    idempotency_key = models.CharField(max_length=128, blank=True)
    # What the request that first used the key asked (tutoring.request_fingerprint): the same key
    # with another request is refused rather than answered with this attempt. Empty for attempts
    # stored before fingerprints were kept (they replay as before) and for keyless ones.
    request_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    source = models.CharField(max_length=8, choices=Source.choices)
    check_note = models.CharField(max_length=300, blank=True, help_text="The checker's words on the answer.")
    # Which visit of the item the answer belongs to (LearnerState.visit when it was recorded), and
    # whether it is evidence for the knowledge tracer: decided once, when it is recorded, by
    # observations.answer_counts, so that every replay of the log reads the same decision.
    visit = models.PositiveIntegerField(default=0)
    rung = models.PositiveSmallIntegerField(default=0, help_text="The highest hint given on the step in the "
                                                                  "visit before this answer.")
    counts = models.BooleanField(default=True, help_text="Evidence for the knowledge tracer.")

    objects = AttemptQuerySet.as_manager()

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["learner", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="attempt_idempotency_key_unique_per_learner",
            ),
            models.CheckConstraint(
                condition=models.Q(verdict__in=AttemptVerdict.values),
                name="attempt_verdict_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(misconception_label="") | models.Q(verdict=MISCONCEPTION),
                name="attempt_misconception_label_only_for_misconceptions",
            ),
        )
        indexes = (models.Index(fields=["learner", "id"], name="attempt_learner_order"),)
        ordering = ["id"]  # noqa: RUF012 -- Meta is read, never mutated; a tuple would need a migration

    @property
    def correct(self) -> bool:
        return self.verdict == CORRECT

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("attempts are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("attempts are append-only")


class LearnerState(models.Model):
    """Derived state of one learner in one course: a cache that can be rebuilt from the attempt log."""

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="states")
    course = models.ForeignKey("content.Course", on_delete=models.CASCADE, related_name="learner_states")
    planner = models.CharField(max_length=32, default=DEFAULT_PLANNER, help_text="A name from psikt.curriculum.planner_names().")
    tracer_state = models.JSONField(default=dict)
    tracer_version = models.CharField(max_length=100, blank=True)
    planner_state = models.JSONField(default=dict)
    # The item the planner chose last, so a learner who comes back resumes it.
    current_item = models.ForeignKey("content.Item", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    current_reason = models.JSONField(default=dict, blank=True, help_text="The planner's explanation of current_item.")
    # The last attempt folded into this state; rebuilding replays the log up to here.
    last_attempt = models.ForeignKey(Attempt, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # How many items have been served (or skipped) in this course: a visit of an item lasts from one
    # serving to the next, and answers are judged as evidence within their visit.
    visit = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = (models.UniqueConstraint(fields=["learner", "course"], name="learner_state_unique"),)


class TutorTurn(models.Model):
    """One tutor reply: what the policy decided, what the backend produced, what the guards said."""

    # A REST turn for a model backend is decided at once and written by a Celery task (pending.py).
    DONE, PENDING = "done", "pending"

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="tutor_turns")
    item = models.ForeignKey("content.Item", on_delete=models.PROTECT, related_name="tutor_turns")
    step_key = models.CharField(max_length=64, blank=True)
    visit = models.PositiveIntegerField(default=0, help_text="The learner's visit of the item, as Attempt.visit.")
    attempt = models.OneToOneField(Attempt, null=True, blank=True, on_delete=models.PROTECT, related_name="tutor_turn")
    learner_text = models.TextField(blank=True, help_text="The learner's message when the turn was not an answer.")
    move_category = models.CharField(max_length=16)
    move_intent = models.CharField(max_length=40)
    evaluation = models.CharField(max_length=40)
    hint_level = models.PositiveSmallIntegerField(default=0)
    text = models.TextField()
    status = models.CharField(max_length=8, choices=[(DONE, "done"), (PENDING, "pending")], default=DONE)
    pending_request = models.JSONField(null=True, blank=True, editable=False,
                                       help_text="What the generation task needs while the turn is pending.")
    backend = models.CharField(max_length=16)
    model_name = models.CharField(max_length=200)
    prompt_sha256 = models.CharField(max_length=64)
    guard_verdicts = models.JSONField(default=list)
    mastery_after = models.JSONField(
        default=dict, blank=True, editable=False,
        help_text="The mastery returned with this turn ({kc: {p, sd}}), kept when the answer came with an "
                  "idempotency key, so that a re-sent request gets the original result.")
    fell_back = models.BooleanField(default=False, help_text="The rule text replaced the model's reply.")
    ttft_ms = models.FloatField(null=True, blank=True)
    tokens = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=server_now, editable=False)  # as Attempt.recorded_at

    class Meta:
        indexes = (models.Index(fields=["learner", "item", "step_key"], name="turn_learner_step"),)
        constraints = (
            models.CheckConstraint(condition=models.Q(hint_level__lte=3), name="turn_hint_level_valid"),
        )


class TracerModel(models.Model):
    """A fitted tracer for a course. Serving uses the active one; switching is one row update."""

    course = models.ForeignKey("content.Course", on_delete=models.CASCADE, related_name="tracer_models")
    checkpoint = models.BinaryField(help_text="psikt.tracing.Tracer.save() output")
    metrics = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["course"], condition=models.Q(is_active=True), name="one_active_tracer_per_course"
            ),
        )

    def load(self):
        import tempfile

        from psikt.tracing import Tracer

        with tempfile.NamedTemporaryFile(suffix=".pt") as file:
            file.write(bytes(self.checkpoint))
            file.flush()
            return Tracer.load(file.name)


class Assignment(models.Model):
    """Material a teacher sets a class: skills, problems or both, with an optional due time. It is open
    from its creation until the due time passes or a teacher closes it; while one is open, a learner of
    the class is served only its material (assignments.py)."""

    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="assignments")
    title = models.CharField(max_length=200)
    kcs = models.ManyToManyField("content.KnowledgeComponent", related_name="assignments", blank=True)
    items = models.ManyToManyField("content.Item", related_name="assignments", blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # A teacher's account may go (erasure); what they set the class stays.
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = (models.Index(fields=["classroom", "closed_at"], name="assignment_class_open"),)

    def __str__(self) -> str:
        return self.title
