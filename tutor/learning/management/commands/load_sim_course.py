"""Serve a `curriculum` benchmark world as a course, so `python -m tutor.simclient` can run the
benchmark's planners through the API on the same domain as the direct benchmark."""

import tempfile
from pathlib import Path

import torch
import yaml
from django.core.management.base import BaseCommand, CommandError

from psikt.curriculum.planners.adaptive import fit_on_pilot
from psikt.curriculum.simulate import FAMILIES, SCENARIOS
from tutor.content.models import Course
from tutor.content.pack import PackError, read_pack
from tutor.content.services import course_pack_load
from tutor.learning.models import TracerModel
from tutor.learning.refit import tracer_model_activate
from tutor.simclient.domain import course_pack, course_slug, served_world
from tutor.simclient.domain import pilot as pilot_cohort


class Command(BaseCommand):
    help = ("Load a curriculum benchmark world (family, scenario, seed) as a course; with --pilot, serve the "
            "tracer the benchmark's adaptive planner fits on its pilot cohort. Prints the course slug and the "
            "planner seed (the course id) that `tutor.simclient compare` needs.")

    def add_arguments(self, parser):
        parser.add_argument("--family", default="F1", choices=FAMILIES)
        parser.add_argument("--scenario", default="S1", choices=SCENARIOS)
        parser.add_argument("--seed", type=int, default=0, help="the world's seed (psikt.curriculum.benchmark --seed)")
        parser.add_argument("--pilot", type=int, default=20,
                            help="pilot learners taught by random to fit adaptive's tracer on (0: the prior tracer)")

    def handle(self, *args, family: str, scenario: str, seed: int, pilot: int, **options):
        if pilot < 0:
            raise CommandError("--pilot must be 0 or more")
        world = served_world(family, scenario, seed)
        slug = course_slug(family, scenario, seed)
        with tempfile.TemporaryDirectory() as folder:
            for name, data in course_pack(world, slug).items():
                path = Path(folder) / name
                path.parent.mkdir(exist_ok=True)
                path.write_text(yaml.safe_dump(data, sort_keys=False))
            try:
                pack = read_pack(folder)
            except PackError as error:  # a bug here, not bad input: the pack is generated
                raise CommandError(f"the generated pack for {slug} is invalid:\n{error}") from error
        course_pack_load(pack=pack)
        course = Course.objects.get(slug=slug)
        owner = {"owner": "load_sim_course", "pilot": pilot}
        if pilot and not TracerModel.objects.filter(course=course, is_active=True, metrics=owner).exists():
            # The engine seeds every planner with the course id; adaptive fits its tracer with its seed.
            torch.set_num_threads(1)  # deterministic either way; one thread is faster on a shared 2-core box
            tracer = fit_on_pilot(world.domain, pilot_cohort(world, pilot), epochs=30, seed=course.pk)
            with tempfile.NamedTemporaryFile(suffix=".pt") as file:
                tracer.save(file.name)
                checkpoint = Path(file.name).read_bytes()
            model = TracerModel.objects.create(course=course, checkpoint=checkpoint, metrics=owner)
            tracer_model_activate(model=model)
        self.stdout.write(f"course={slug} planner_seed={course.pk} items={len(world.domain.items)} "
                          f"tracer={'pilot ' + str(pilot) if pilot else 'prior'}")
