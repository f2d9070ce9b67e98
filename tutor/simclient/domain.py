"""A `curriculum` benchmark world as a course the web app can serve, and the direct benchmark run it
is compared with. No Django here: the load command writes the pack, the client only reads the world.

Course-pack ids allow `[a-z0-9-]`, so a world item `k03.1` is served as `k03-1`; `served_world`
renames the world's domain the same way (nothing else changes), so the direct run and the served
course have identical domains, item for item, in the same order.
"""
from __future__ import annotations

import dataclasses

from psikt.curriculum import Domain
from psikt.curriculum import Item as PlanItem
from psikt.curriculum.benchmark import pilot_log, planner_params
from psikt.curriculum.episode import run_episode
from psikt.curriculum.planners import make_planner, planner_class
from psikt.curriculum.simulate import World, make_world

# The engine builds every planner with its defaults, which are the benchmark's settings at N = 150
# (fixed_order's share per KC, adaptive's target time); the comparison uses the same.
SERVED_HORIZON = 150


def served_item_id(world_item: str) -> str:
    return world_item.replace(".", "-")


def course_slug(family: str, scenario: str, seed: int) -> str:
    return f"sim-{family}-{scenario}-{seed}".lower()


def served_world(family: str, scenario: str, seed: int) -> World:
    """The benchmark world with its domain as the engine builds it from the served course: item ids
    renamed, prerequisites ordered by child then parent (the order the course's KC rows give)."""
    world = make_world(family, scenario, seed)
    d = world.domain
    rank = {kc: n for n, kc in enumerate(d.kcs)}
    edges = sorted(d.prerequisites, key=lambda edge: (rank[edge[1]], rank[edge[0]]))
    items = [PlanItem(served_item_id(i.id), i.kcs, i.difficulty) for i in d.items]
    return dataclasses.replace(world, domain=Domain(kcs=d.kcs, items=items, prerequisites=edges))


def course_pack(world: World, slug: str) -> dict[str, object]:
    """The world's domain as course-pack documents {relative path: data}: one self-graded item per
    world item (the simulator grades itself, so the answer text only satisfies the pack format)."""
    d = world.domain
    parents = {kc: [a for a, b in d.prerequisites if b == kc] for kc in d.kcs}
    course = {"slug": slug, "title": f"Simulated course {world.family} {world.scenario} (seed {world.seed})",
              "description": "psikt.curriculum.simulate benchmark domain, served for tutor.simclient", "version": 1}
    kcs = [{"id": kc, "name": kc, "prerequisites": parents[kc]} for kc in d.kcs]
    items = [{
        "id": item.id, "kcs": list(item.kcs), "difficulty": item.difficulty,
        "statement": f"Simulated item {item.id}.", "answer": {"mode": "exact", "value": "right"},
        "steps": [{"id": "whole", "prompt": f"Answer item {item.id}.", "answer": {"mode": "exact", "value": "right"},
                   "hints": ["Think about it.", "Think harder.", "The answer is right."],
                   "misconceptions": [{"answer": "wrong", "label": "wrong", "feedback": "Not quite."}]}],
    } for item in d.items]
    return {"course.yaml": course, "kcs.yaml": kcs, "items/items.yaml": items}


def pilot(world: World, size: int) -> list[dict]:
    """The benchmark's pilot cohort (taught by `random`, never scored) on the served domain: what
    `adaptive` fits its tracer on."""
    return pilot_log(world, size, SERVED_HORIZON, world.seed)


def direct_planner(world: World, planner: str, planner_seed: int, pilot_size: int):
    """The benchmark's planner, with its parameters, as the direct run teaches with it (adaptive fitted
    on the pilot)."""
    pilot_answers = pilot(world, pilot_size) if planner_class(planner).needs_tracer else []
    return make_planner(planner, world.domain, seed=planner_seed,
                        **planner_params(planner, SERVED_HORIZON, pilot_answers))


def direct_teach(world: World, policy, learners: list[tuple[int, str]], steps: int) -> list[float]:
    """Each (simulated student, name) taught `steps` items in order by one planner instance; post-tests."""
    return [run_episode(world, student, policy, steps, learner_id=name).posttest for student, name in learners]


def direct_posttests(world: World, planner: str, learners: list[tuple[int, str]], steps: int, planner_seed: int,
                     pilot_size: int) -> list[float]:
    """Post-test per learner of the direct benchmark run: `psikt.curriculum.episode.run_episode` with the
    benchmark's planner parameters, one planner instance taught the learners in order, as
    `psikt.curriculum.benchmark.run_cell` does. `learners` pairs each simulated student with the name the
    planner knows it by (the server's learner id), and `planner_seed` is the server's planner seed:
    planners draw their randomness from (seed, learner name, selections). Adaptive's prior pooled
    across learners carries from each learner to the next here, as it does in the served course."""
    return direct_teach(world, direct_planner(world, planner, planner_seed, pilot_size), learners, steps)
