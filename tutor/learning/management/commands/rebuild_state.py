from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from tutor.learning.engine import course_engine
from tutor.learning.knowledge import learner_state_rebuild
from tutor.learning.models import LearnerState


class Command(BaseCommand):
    help = "Recompute learners' tracer and planner state from the append-only attempt log."

    def add_arguments(self, parser):
        parser.add_argument("--learner", type=int, help="only this learner id")

    def handle(self, *args, learner: int | None = None, **options):
        states = LearnerState.objects.select_related("course").order_by("pk")
        if learner is not None:
            states = states.filter(learner_id=learner)
            if not states.exists():
                raise CommandError(f"learner {learner} has no state to rebuild (unknown id or no course started)")
        for pk in tqdm(list(states.values_list("pk", flat=True)), desc="rebuild", disable=not options["verbosity"]):
            with transaction.atomic():
                state = LearnerState.objects.select_for_update().select_related("course").get(pk=pk)
                learner_state_rebuild(state=state, engine=course_engine(state.course))
                state.save()
        self.stdout.write(self.style.SUCCESS(f"rebuilt {states.count()} learner state(s)"))
