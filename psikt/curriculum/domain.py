"""The course as planners see it: KCs, items tagged with KCs, and declared prerequisites.

The declared graph may be incomplete or wrong (the benchmark's S4 perturbs it); it must still be a
DAG over known KCs, because every planner orders KCs topologically.
"""
from __future__ import annotations

from dataclasses import dataclass, field


class DomainError(ValueError):
    """A malformed domain."""


class UnknownKCError(DomainError):
    pass


class ItemWithoutKCError(DomainError):
    pass


class PrerequisiteCycleError(DomainError):
    pass


@dataclass(frozen=True)
class Item:
    id: str
    kcs: tuple[str, ...]
    difficulty: float = 0.0


@dataclass
class Domain:
    kcs: list[str]
    items: list[Item]
    prerequisites: list[tuple[str, str]] = field(default_factory=list)  # (parent, child)

    def __post_init__(self):
        self.kcs = list(self.kcs)
        self.items = [Item(i.id, tuple(i.kcs), float(i.difficulty)) for i in self.items]
        self.prerequisites = [(str(a), str(b)) for a, b in self.prerequisites]
        known = set(self.kcs)
        if len(known) != len(self.kcs):
            raise DomainError("duplicate KC names")
        ids = [i.id for i in self.items]
        if len(set(ids)) != len(ids):
            raise DomainError("duplicate item ids")
        if not self.items:
            raise DomainError("the domain has no items")
        for item in self.items:
            if not item.kcs:
                raise ItemWithoutKCError(f"item {item.id!r} has no KC")
            for kc in item.kcs:
                if kc not in known:
                    raise UnknownKCError(f"item {item.id!r} names unknown KC {kc!r}")
        for a, b in self.prerequisites:
            for kc in (a, b):
                if kc not in known:
                    raise UnknownKCError(f"prerequisite ({a!r}, {b!r}) names unknown KC {kc!r}")
        self.parents = {k: [] for k in self.kcs}
        for a, b in self.prerequisites:
            if a == b:
                raise PrerequisiteCycleError(f"KC {a!r} is its own prerequisite")
            if a not in self.parents[b]:
                self.parents[b].append(a)
        self.order = self._topological_order()
        self.item_index = {i.id: n for n, i in enumerate(self.items)}
        self.kc_index = {k: n for n, k in enumerate(self.kcs)}
        self.items_of = {k: [] for k in self.kcs}
        for item in self.items:
            for kc in item.kcs:
                self.items_of[kc].append(item.id)
        # A KC without items cannot be practised; planners skip it.
        self.practicable = [k for k in self.order if self.items_of[k]]

    def _topological_order(self) -> list[str]:
        """Kahn's algorithm; ties keep the declared KC order so the result is deterministic."""
        indegree = {k: len(self.parents[k]) for k in self.kcs}
        children = {k: [] for k in self.kcs}
        for b, ps in self.parents.items():
            for a in ps:
                children[a].append(b)
        ready = [k for k in self.kcs if indegree[k] == 0]
        order = []
        while ready:
            k = ready.pop(0)
            order.append(k)
            for c in children[k]:
                indegree[c] -= 1
                if indegree[c] == 0:
                    ready.append(c)
            ready.sort(key=self.kcs.index)
        if len(order) < len(self.kcs):
            stuck = [k for k in self.kcs if k not in order]
            raise PrerequisiteCycleError(f"declared prerequisites form a cycle among KCs {stuck}")
        return order

    def item(self, item_id: str) -> Item:
        try:
            return self.items[self.item_index[item_id]]
        except KeyError:
            raise KeyError(f"unknown item {item_id!r}") from None
