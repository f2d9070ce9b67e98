"""Learner states derived before the planner read the tracer's belief (it kept a copy of its own in
its state) are marked out of date, so each is rebuilt from the attempt log on its next use (or by
the refresh task): the rebuild drops the copy and keeps what the planner's contract carries over."""

from django.db import migrations


def mark_out_of_date(apps, schema_editor):
    apps.get_model("learning", "LearnerState").objects.update(tracer_version="")


class Migration(migrations.Migration):
    dependencies = [("learning", "0005_tutor_turn_mastery_after")]
    operations = [migrations.RunPython(mark_out_of_date, migrations.RunPython.noop)]
