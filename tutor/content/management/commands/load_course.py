from django.core.management.base import BaseCommand, CommandError

from tutor.content.pack import PackError, read_pack
from tutor.content.services import course_pack_load


class Command(BaseCommand):
    help = "Validate a course pack folder and load it (idempotent; nothing is loaded if anything is invalid)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the course pack folder (course.yaml, kcs.yaml, items/, templates/)")

    def handle(self, *args, path: str, **options):
        try:
            pack = read_pack(path)
        except PackError as error:
            count = len(error.problems)
            raise CommandError(f"{count} problem{'s' if count != 1 else ''} in {path}; nothing was loaded:\n{error}")
        report = course_pack_load(pack=pack)
        self.stdout.write(self.style.SUCCESS(str(report)))
