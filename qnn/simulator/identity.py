"""Values worked out from an object, looked up by the object's identity.

A layer passes the same circuit object on every call, and the backend the same plan; hashing one of
many gates to look it up costs more than a small forward pass.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

import torch


class IdentityCache:
    """`get(obj, make, *key)`: `make()` for `obj` (and the hashable `key`), computed once while cached.

    Each entry holds its object, so that the object's id is not reused while the entry lives; the
    cache is emptied when it holds `size` entries.
    """

    def __init__(self, size: int = 64):
        self.size = size
        self._entries: dict[tuple, tuple] = {}

    def get(self, obj: object, make: Callable[[], object], *key: Hashable):
        index = (id(obj), *key)
        entry = self._entries.get(index)
        if entry is None or entry[0] is not obj:
            if len(self._entries) >= self.size:
                self._entries.clear()
            with torch.inference_mode(False):  # kept between calls: an ordinary tensor, not an inference one
                entry = self._entries[index] = (obj, make())
        return entry[1]
