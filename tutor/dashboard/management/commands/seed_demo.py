from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from tutor.content.models import Course
from tutor.learning.services import demo_class_seed

from ...demo import demo_class_replay


class Command(BaseCommand):
    help = "Create the demo teacher, learners and class for a loaded course (development only; idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--course", default="demo-algebra", help="slug of a loaded course")

    def handle(self, *args, course: str, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo creates accounts with published passwords; it only runs with DEBUG on.")
        found = Course.objects.filter(slug=course).first()
        if found is None:
            raise CommandError(f"no course {course!r} is loaded; run: python manage.py load_course courses/demo")
        accounts = demo_class_seed(course=found)
        # The site's login, which everyone can use; /admin/login/ takes staff accounts only.
        self.stdout.write(self.style.SUCCESS(f"Demo class for {found.title}. Log in at {reverse('login')} with:"))
        for username, password in accounts.items():
            self.stdout.write(f"  {username} / {password}")
        # The class the dashboard shows: learners who answered through the real tutor over the last week.
        classroom = found.classrooms.get(name="Demo class")
        answers = demo_class_replay(classroom=classroom)
        self.stdout.write(f"Teacher dashboard: log in as teacher / {accounts['teacher']} and open "
                          f"/teach/class/{classroom.pk}/ ({answers} answers replayed now, "
                          f"{classroom.learners.count()} learners).")
