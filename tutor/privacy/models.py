"""Who exported or erased which learner's data, and when: kept after the learner is gone."""

from django.conf import settings
from django.db import models


class AuditRecord(models.Model):
    class Action(models.TextChoices):
        EXPORT = "export", "Export"
        ERASE = "erase", "Erasure"

    action = models.CharField(max_length=8, choices=Action.choices)
    # A plain id, not a foreign key: the record outlives the learner it is about, and holds nothing
    # else that identifies them (no name, no answers).
    learner_id = models.BigIntegerField(db_index=True)
    learner_kind = models.CharField(max_length=8)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_client = models.ForeignKey(
        "accounts.ApiClient", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who acted, as text that survives the actor's own account being removed ("user:7 teacher", "client:3").
    actor = models.CharField(max_length=200)
    detail = models.JSONField(default=dict, blank=True, help_text="What was exported or removed, as counts per store.")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]  # noqa: RUF012 -- Meta is read, never mutated; a tuple would need a migration
        constraints = (
            models.CheckConstraint(condition=models.Q(action__in=["export", "erase"]), name="audit_action_valid"),
        )

    def __str__(self) -> str:
        return f"{self.get_action_display()} of learner {self.learner_id} by {self.actor}"
