import uuid

from django.core.management.base import BaseCommand, CommandError

from tutor.content.models import Course
from tutor.learning import refit
from tutor.learning.tasks import tracer_refit


class Command(BaseCommand):
    help = "Refit a course's tracer from its attempt log and serve the new version (or queue the job)."

    def add_arguments(self, parser):
        parser.add_argument("course", help="course slug")
        parser.add_argument("--epochs", type=int, help="training epochs (default: TRACER_REFIT_EPOCHS)")
        parser.add_argument("--force", action="store_true", help="fit even when the log has not changed")
        parser.add_argument("--queue", action="store_true", help="hand the job to a Celery worker instead")

    def handle(self, *args, course: str, epochs: int | None, force: bool, queue: bool, **options):
        found = Course.objects.filter(slug=course).first()
        if found is None:
            raise CommandError(f"no course {course!r}")
        if queue:
            result = tracer_refit.delay(found.pk, epochs, force)
            self.stdout.write(f"queued refit task {result.id}")
            return
        try:
            model = refit.tracer_refit(course=found, owner=f"fit_tracer:{uuid.uuid4()}", epochs=epochs, force=force,
                                          progress=options["verbosity"] > 0)
        except (refit.RefitBusy, refit.NothingToFit) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"course {found.slug} serves tracer version {model.pk} ({model.metrics})"))
