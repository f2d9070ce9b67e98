"""Curriculum planning: planners that pick what a learner practises next, simulated students and
the benchmark that ranks the planners. No Django; ``adaptive`` uses the public API of ``tracing``.

    from psikt.curriculum import Domain, Item, make_planner, planner_names
    planner = make_planner("adaptive", domain, seed=0)
    planner.start(learner="L1")
    item = planner.select(learner="L1", now=t)           # t in days
    planner.observe(learner="L1", item=item, correct=True, now=t)
    planner.explain(learner="L1")                         # dict: why this item
    state = planner.save_state("L1"); planner.load_state("L1", state)   # JSON-serialisable dict

A host that keeps each learner's state (and tracer state) itself reads the rest of the contract in
``psikt.curriculum.planners.base``: ``needs_tracer`` and ``BeliefUpdate``, ``carried_over``, ``share_key``
with ``pool_of``/``load_pool``.
"""
from .domain import Domain, DomainError, Item, ItemWithoutKCError, PrerequisiteCycleError, UnknownKCError
from .planners import DEFAULT_PLANNER, BeliefUpdate, Planner, UnknownLearnerError, make_planner, planner_names

__all__ = ["DEFAULT_PLANNER", "BeliefUpdate", "Domain", "DomainError", "Item", "ItemWithoutKCError", "Planner", "PrerequisiteCycleError",
           "UnknownKCError", "UnknownLearnerError", "make_planner", "planner_names"]
