import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tutor.dashboard.services import BenchmarkFormatError, benchmark_run_import


class Command(BaseCommand):
    help = "Import a `python -m psikt.curriculum.benchmark --json OUT.json` result into the dashboard's planner view."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the benchmark's --json file")
        parser.add_argument("--name", default="", help="how the dashboard lists it (default: the file name)")

    def handle(self, *args, path: str, name: str, **options):
        file = Path(path)
        try:
            data = json.loads(file.read_text())
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error.strerror or error}") from error
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise CommandError(f"{path} is not JSON text: {error}") from error
        try:
            run = benchmark_run_import(name=name or file.name, data=data, source=str(file.resolve()))
        except BenchmarkFormatError as error:
            raise CommandError(f"{path}: {error}") from error
        planners = sorted({cell["planner"] for cell in run.cells})
        self.stdout.write(self.style.SUCCESS(
            f"imported {len(run.cells)} cells ({', '.join(planners)}) as benchmark run {run.pk} {run.name!r}"))
