from django.core.management.base import BaseCommand, CommandError

from tutor.content.models import Course
from tutor.learning import refit
from tutor.learning.models import TracerModel


class Command(BaseCommand):
    help = "Serve the tracer version before the active one (or --to a given version) for a course."

    def add_arguments(self, parser):
        parser.add_argument("course", help="course slug")
        parser.add_argument("--to", type=int, help="the version (TracerModel id) to serve")

    def handle(self, *args, course: str, to: int | None, **options):
        found = Course.objects.filter(slug=course).first()
        if found is None:
            raise CommandError(f"no course {course!r}")
        target = None
        if to is not None and (target := TracerModel.objects.filter(pk=to).first()) is None:
            raise CommandError(f"no tracer version {to}")
        try:
            served = refit.tracer_rollback(course=found, to=target)
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(
            f"course {found.slug} serves " + (f"tracer version {served.pk}" if served else "its prior tracer")))
