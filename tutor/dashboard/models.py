"""Planner benchmark results imported for the curriculum view (the live aggregates are derived, not stored)."""

from django.db import models


class BenchmarkRun(models.Model):
    """The cells of one `python -m curriculum.benchmark --json` run: planners on simulated cohorts."""

    name = models.CharField(max_length=200)
    source = models.CharField(max_length=500, blank=True, help_text="The file it was imported from.")
    cells = models.JSONField(help_text="The benchmark's cells, as written by --json.")
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-imported_at", "-id")

    def __str__(self) -> str:
        return self.name
