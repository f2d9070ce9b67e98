import pytest

from psikt.curriculum import Domain, Item, ItemWithoutKCError, PrerequisiteCycleError, UnknownKCError


def test_topological_order_follows_prerequisites_not_declaration_order():
    d = Domain(kcs=["c", "b", "a"], items=[Item("i", ("a",))], prerequisites=[("a", "b"), ("b", "c")])
    assert d.order == ["a", "b", "c"]
    assert d.practicable == ["a"]  # b and c have no items


def test_cycle_is_named():
    with pytest.raises(PrerequisiteCycleError, match=r"cycle among KCs \['a', 'b'\]"):
        Domain(kcs=["a", "b", "c"], items=[Item("i", ("a",))], prerequisites=[("a", "b"), ("b", "a")])


def test_self_loop_is_a_cycle():
    with pytest.raises(PrerequisiteCycleError, match="'a' is its own prerequisite"):
        Domain(kcs=["a"], items=[Item("i", ("a",))], prerequisites=[("a", "a")])


def test_unknown_kc_in_item():
    with pytest.raises(UnknownKCError, match="item 'i' names unknown KC 'z'"):
        Domain(kcs=["a"], items=[Item("i", ("z",))])


def test_unknown_kc_in_prerequisite():
    with pytest.raises(UnknownKCError, match=r"prerequisite \('a', 'q'\) names unknown KC 'q'"):
        Domain(kcs=["a"], items=[Item("i", ("a",))], prerequisites=[("a", "q")])


def test_item_without_kc():
    with pytest.raises(ItemWithoutKCError, match="item 'i' has no KC"):
        Domain(kcs=["a"], items=[Item("i", ())])
