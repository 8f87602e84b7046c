"""The identity cache: one computation per object and key, never shared between equal objects."""

from qnn.simulator.identity import IdentityCache


def test_values_are_made_once_per_object_and_key():
    cache, calls = IdentityCache(size=8), []
    first, equal = [1, 2], [1, 2]

    def make(tag):
        calls.append(tag)
        return tag

    assert cache.get(first, lambda: make("a"), 4) == "a"
    assert cache.get(first, lambda: make("b"), 4) == "a"  # cached
    assert cache.get(first, lambda: make("c"), 3) == "c"  # another key
    assert cache.get(equal, lambda: make("d"), 4) == "d"  # equal, but another object
    assert calls == ["a", "c", "d"]


def test_a_full_cache_starts_again():
    cache = IdentityCache(size=2)
    objects = [object() for _ in range(3)]
    for i, obj in enumerate(objects):
        cache.get(obj, lambda i=i: i)
    assert cache.get(objects[0], lambda: "again") == "again"  # dropped when the third entry came in
    assert cache.get(objects[2], lambda: "again") == 2
