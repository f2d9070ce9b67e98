"""The dialogue benchmark (issue 17, item 5): scripted learner types (`learning.dialogue_learners`)
work every item of a course through the real tutor turn (`tutoring.tutor_turn_take`: check, tracer,
policy, rule backend, guard, persist), each dialogue with a fresh learner, and the moves the tutor made
are counted: the share of each move, Telling as the first move on a step (target 0), a reply that
repeats the previous reply on the step word for word (target 0), and how many learners reach the
answer without being told. The course is loaded with load_course into a throwaway database (Django's
test database machinery: created, migrated, destroyed), so nothing is written to the real one.

    python manage.py bench_dialogues [--seed 0] [--items N] [--types a,b] [--json]

It lives in tutor/, not llm/: it drives the turn path, which needs Django's models, and the import
contracts (pyproject.toml) keep llm free of Django and tutor.
"""

import contextlib
import io
import json
import os
import random
import sys
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import override_settings

from psikt.llm.moves import Category, Intent
from tutor.accounts.models import User
from tutor.content.models import Course, Item
from tutor.content.selectors import item_answer
from tutor.learning.dialogue_learners import LEARNER_TYPES, Reply, step_answers
from tutor.learning.services import learner_for_user
from tutor.learning.tutoring import tutor_turn_take

DEMO = Path(settings.BASE_DIR) / "courses" / "demo"
MAX_TURNS_PER_STEP = 10  # a learner still on a step after this many turns gives up (counted)
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # the simulated clock: the same times on every run
SECONDS_PER_TURN = 20
# MathDial's teachers (Macina et al., EMNLP Findings 2023; all test dialogues, as psikt.llm.smoke counts them).
MATHDIAL_TELLING = 0.16
CATEGORIES = [category.value for category in Category]


def run_dialogues(items: list[Item], types: list[str], seed: int, progress=None) -> list[dict]:
    """One dialogue per item and learner type, in that order; each learner is new."""
    dialogues = []
    for n, item in enumerate(items):
        for kind in types:
            rng = random.Random(f"{seed}:{kind}:{item.key}")
            learner = learner_for_user(user=User.objects.create_user(f"dialogue-{kind}-{uuid.uuid4().hex[:12]}"))
            dialogues.append(_dialogue(learner, item, kind, rng))
        if progress:
            progress(n + 1, len(items))
    return dialogues


def _dialogue(learner, item: Item, kind: str, rng: random.Random) -> dict:
    act, clock, steps = LEARNER_TYPES[kind], START, []
    for key in [*item.steps.order_by("position").values_list("key", flat=True), ""]:
        spec, mistakes = item_answer(item=item, step_key=key)
        answers, replies, turns, solved = step_answers(spec, mistakes, rng), [], [], False
        while not solved and len(turns) < MAX_TURNS_PER_STEP:
            answer, message = act(answers, replies, rng)
            clock += timedelta(seconds=SECONDS_PER_TURN)
            result = tutor_turn_take(learner=learner, item=item, source="web", step_key=key, answer=answer,
                                     message=message, answered_at=clock)
            turn = result.turn
            replies.append(Reply(turn.move_intent, turn.hint_level, turn.move_intent == Intent.REVEALING_ANSWER))
            turns.append({"learner": answer if answer is not None else f"(help) {message}", "intent": turn.move_intent,
                          "category": turn.move_category, "hint_level": turn.hint_level, "text": turn.text,
                          "guard_failed": [v["reason"] for v in turn.guard_verdicts if not v["ok"]]})
            solved = result.attempt is not None and result.attempt.correct
        steps.append({"step": key or "(final answer)", "turns": turns, "solved": solved,
                      "told": any(reply.told for reply in replies)})
    return {"type": kind, "item": item.key, "steps": steps,
            "reached_untold": all(step["solved"] and not step["told"] for step in steps)}


def summarise(dialogues: list[dict]) -> dict:
    """The figures per learner type and for all of them (key "all")."""
    groups: dict[str, list[dict]] = {}
    for dialogue in dialogues:
        groups.setdefault(dialogue["type"], []).append(dialogue)
    groups["all"] = dialogues
    return {kind: _figures(group) for kind, group in groups.items()}


def _figures(dialogues: list[dict]) -> dict:
    steps = [step for dialogue in dialogues for step in dialogue["steps"]]
    turns = [turn for step in steps for turn in step["turns"]]
    categories = Counter(turn["category"] for turn in turns)
    return {
        "dialogues": len(dialogues),
        "steps": len(steps),
        "turns": len(turns),
        "category_share": {c: round(categories[c] / max(len(turns), 1), 3) for c in CATEGORIES},
        "intents": dict(Counter(turn["intent"] for turn in turns).most_common()),
        "telling_first": sum(bool(step["turns"]) and step["turns"][0]["category"] == Category.TELLING for step in steps),
        "verbatim_repeats": sum(later["text"] == earlier["text"] for step in steps
                                for earlier, later in zip(step["turns"], step["turns"][1:], strict=False)),
        "steps_told": sum(step["told"] for step in steps),
        "steps_unfinished": sum(not step["solved"] for step in steps),
        "reached_untold": sum(dialogue["reached_untold"] for dialogue in dialogues),
        "guard_failures": sum(bool(turn["guard_failed"]) for turn in turns),
    }


def table(summary: dict, header: str) -> str:
    columns = ("learner type", "dialogues", "turns", *(c.capitalize() for c in CATEGORIES), "Telling first",
               "repeats", "reached untold", "unfinished steps")
    lines = [header, "", " | ".join(columns), " | ".join("---" for _ in columns)]
    for kind, figures in summary.items():
        shares = [f"{figures['category_share'][c]:.1%}" for c in CATEGORIES]
        lines.append(" | ".join([
            kind, str(figures["dialogues"]), str(figures["turns"]), *shares, str(figures["telling_first"]),
            str(figures["verbatim_repeats"]), f"{figures['reached_untold']} / {figures['dialogues']}",
            str(figures["steps_unfinished"]),
        ]))
    every = summary["all"]
    lines += [
        "",
        "moves (all): " + ", ".join(f"{intent} {n}" for intent, n in every["intents"].items()),
        f"replies with a guard verdict against them (the rule text's own): {every['guard_failures']}",
        f"reference: MathDial's teachers tell in {MATHDIAL_TELLING:.0%} of turns (Macina et al., EMNLP Findings 2023)",
    ]
    return "\n".join(lines)


@contextlib.contextmanager
def throwaway_database():
    """A new database for the run (the test database Django would make), destroyed afterwards."""
    old_name = connection.settings_dict["NAME"]
    if connection.vendor != "sqlite":  # never the name a concurrent test run may be using
        connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_dialogues_{os.getpid()}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


class Command(BaseCommand):
    help = ("Scripted learners through the real tutor turn (rule backend) on every item of a course, in a "
            "throwaway database: move shares, Telling first, verbatim repeats, learners reaching the answer untold.")

    def add_arguments(self, parser):
        parser.add_argument("--pack", type=Path, default=DEMO, help="the course pack to load (default: courses/demo)")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--items", type=int, default=0, help="only the first N items (default: all)")
        parser.add_argument("--types", default=",".join(LEARNER_TYPES),
                            help=f"learner types, comma-separated (default: all of {', '.join(LEARNER_TYPES)})")
        parser.add_argument("--json", dest="as_json", action="store_true", help="the figures and every dialogue as JSON")

    def handle(self, *args, pack: Path, seed: int, items: int, types: str, as_json: bool, **options):
        chosen = [kind.strip() for kind in types.split(",") if kind.strip()]
        unknown = sorted(set(chosen) - set(LEARNER_TYPES))
        if unknown or not chosen:
            raise CommandError(f"unknown learner types {unknown}; choose from {', '.join(LEARNER_TYPES)}")
        if items < 0:
            raise CommandError("--items must be 0 (all) or more")
        if not (pack / "course.yaml").is_file():
            raise CommandError(f"no course pack at {pack} (course.yaml missing)")
        with override_settings(LLM_BACKEND="rule"), throwaway_database():
            call_command("load_course", str(pack), stdout=io.StringIO())
            course = Course.objects.get()
            chosen_items = list(Item.objects.filter(course=course, template__isnull=True).order_by("pk"))
            chosen_items = chosen_items[:items] if items else chosen_items
            dialogues = run_dialogues(chosen_items, chosen, seed, progress=_progress)
            print(file=sys.stderr)
        summary = summarise(dialogues)
        header = (f"bench_dialogues: course {course.slug}, {len(chosen_items)} items x {len(chosen)} learner types, "
                  f"seed {seed}, rule backend, at most {MAX_TURNS_PER_STEP} turns a step")
        if as_json:
            self.stdout.write(json.dumps({"header": header, "summary": summary, "dialogues": dialogues}, indent=1))
        else:
            self.stdout.write(table(summary, header))


def _progress(done: int, total: int) -> None:
    print(f"\r{done}/{total} items", end="", file=sys.stderr, flush=True)
