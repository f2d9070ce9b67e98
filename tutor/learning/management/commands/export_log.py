"""A course's checked answers in the tracer's interaction-log format (../shared/data/README.md), for
research with psikt.tracing.evaluate or, through psikt.tracing.interchange, pyKT and pyBKT:

    python manage.py export_log COURSE OUT.csv.gz

Learners are pseudonymised: each id is a keyed hash of the learner (HMAC-SHA256 with the site's
secret key and the course), the same in every export of one site, and linked to no account outside
the site's database. Each answer keeps its item, KCs, verdict and time; folds 1-5 come from a hash of
the pseudonym. Only answers that are evidence for the tracer are exported (as a refit reads them).
"""

import hashlib
import hmac
from dataclasses import replace

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from psikt.tracing.data import Log, write_log
from psikt.tracing.interchange import hashed_fold
from tutor.content.models import Course
from tutor.learning.refit import course_log


def pseudonym(course: Course, learner_id: str) -> str:
    key = hmac.new(settings.SECRET_KEY.encode(), f"{course.slug}:{learner_id}".encode(), hashlib.sha256)
    return key.hexdigest()[:16]


class Command(BaseCommand):
    help = "Export a course's checked answers as a tracer interaction log, learners pseudonymised."

    def add_arguments(self, parser):
        parser.add_argument("course", help="the course's slug")
        parser.add_argument("out", help="the file to write (.csv, or .csv.gz to compress)")

    def handle(self, *args, course: str, out: str, **options):
        found = Course.objects.filter(slug=course).first()
        if found is None:
            raise CommandError(f"no course {course!r} (the slugs: {', '.join(Course.objects.values_list('slug', flat=True))})")
        log, trained_on = course_log(course=found)
        sequences = []
        for sequence in log.sequences:
            name = pseudonym(found, sequence.learner)
            sequences.append(replace(sequence, learner=name, fold=hashed_fold(name)))
        try:
            write_log(Log(sequences), out)
        except OSError as error:
            raise CommandError(f"cannot write {out}: {error}") from None
        self.stdout.write(f"{out}: {trained_on['learners']} learners, {trained_on['attempts']} answers")
