"""Planner benchmark results imported for the curriculum view, and the teachers' acknowledgements of
live alerts (the live aggregates and the alerts themselves are derived, not stored)."""

from django.conf import settings
from django.db import models


class BenchmarkRun(models.Model):
    """The cells of one `python -m psikt.curriculum.benchmark --json` run: planners on simulated cohorts."""

    name = models.CharField(max_length=200)
    source = models.CharField(max_length=500, blank=True, help_text="The file it was imported from.")
    cells = models.JSONField(help_text="The benchmark's cells, as written by --json.")
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-imported_at", "-id")

    def __str__(self) -> str:
        return self.name


class AlertAcknowledgement(models.Model):
    """A teacher dealt with an alert of the live "now" view (now.py). Alerts are derived from the log
    and never stored; this row only hides one until a new reason arises: `reason` is the alert's key,
    which names its kind and the episode it stands for (now.Alert.key), so a new episode is a new key."""

    classroom = models.ForeignKey("learning.Classroom", on_delete=models.CASCADE, related_name="+")
    learner = models.ForeignKey("learning.Learner", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=120)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                        related_name="+")
    acknowledged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = (models.UniqueConstraint(fields=["classroom", "learner", "reason"],
                                               name="alert_acknowledged_once"),)

    def __str__(self) -> str:
        return f"{self.reason} of learner {self.learner_id} in class {self.classroom_id}"


class ComparisonJob(models.Model):
    """A planner comparison on simulated learners that a teacher started from the planners page
    (comparisons.py runs it as a Celery job). At most one is open (queued or running) per class."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    OPEN = (Status.QUEUED, Status.RUNNING)

    classroom = models.ForeignKey("learning.Classroom", on_delete=models.CASCADE, related_name="comparison_jobs")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                     related_name="+")
    params = models.JSONField(help_text="What was asked: family, scenario, planners, learners (comparisons.py).")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0, help_text="Simulated learners taught so far.")
    total = models.PositiveIntegerField(help_text="Simulated learners to teach in all.")
    cells = models.JSONField(null=True, blank=True, help_text="The result, a row per planner with 95% intervals.")
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = (models.UniqueConstraint(fields=["classroom"], condition=models.Q(status__in=["queued", "running"]),
                                               name="one_open_comparison_per_class"),)

    def __str__(self) -> str:
        return f"comparison {self.pk} of class {self.classroom_id} ({self.status})"
