"""How a plan's one-qubit matrices are assembled from a table of 2×2 matrices: worked out once per plan.

`blocks.plan_matrices` builds every one-qubit matrix of the product state and of one-qubit blocks in
one table, then picks each wire's rows by these index arrays; `Plan.recipe` holds a plan's recipe.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import torch

from qnn.simulator.one_wire_forms import StepForms, table_forms
from qnn.simulator.operations import Block, Operation
from qnn.simulator.program import Step


@dataclass(eq=False)
class Recipe:
    """How a plan's one-qubit matrices are assembled, worked out once per plan.

    The table holds every one-qubit step of the prefix and of one-qubit blocks: first the shared
    steps, grouped by gate, then an identity, then the input-dependent steps. Index arrays pick,
    for each wire of the prefix or of a block, its steps' rows in order of application, padded
    with the identity's row. The index tensors are made once per device, when first asked for
    (`tensor`), and kept here.
    """

    shared_groups: tuple[tuple[str, tuple[Step, ...]], ...]
    batched_groups: tuple[tuple[str, tuple[Step, ...]], ...]
    prefix_rows: tuple[tuple[int, ...], ...] | None
    block_rows: dict[int, tuple[tuple[int, ...], ...]]  # op index -> rows per wire
    # (width, batched, constant) -> op indices; constant: blocks of gates without angles (Hadamards, say)
    kron_groups: dict[tuple[int, bool, bool], tuple[int, ...]]
    other_blocks: tuple[int, ...]
    _tensors: dict = field(default_factory=dict, repr=False)  # (key, device) -> index tensor

    def tensor(self, key, device) -> torch.Tensor:
        """The (wires,) rows of the prefix at one depth (key ("prefix", depth)), or the
        (n_blocks, width, depth) rows of a group of blocks (key: their op indices)."""
        cache_key = (key, str(device))
        if cache_key not in self._tensors:
            with torch.inference_mode(False):  # kept between calls: not an inference tensor
                if key[0] == "prefix":
                    rows = [wire[key[1]] for wire in self.padded_prefix]
                    if self.prefix_sources[key[1]] == "batched":  # rows of the input-dependent steps only
                        rows = [row - self.identity_row - 1 for row in rows]
                else:
                    rows = _pad([self.block_rows[i] for i in key], self.identity_row)
                self._tensors[cache_key] = torch.tensor(rows, dtype=torch.long, device=device)
        return self._tensors[cache_key]

    def constant(self, key, make) -> torch.Tensor:
        """`make()`, made once per `key` (which names the dtype and device) and kept here: the matrices of
        blocks without angles, the same on every call."""
        if key not in self._tensors:
            with torch.inference_mode(False):  # kept between calls: not an inference tensor
                self._tensors[key] = make()
        return self._tensors[key]

    @property
    def identity_row(self) -> int:
        return sum(len(steps) for _, steps in self.shared_groups)

    @cached_property
    def one_qubit_forms(self) -> tuple[StepForms, StepForms]:
        """The one-qubit table's shared and batched steps as `one_wire_forms` (`blocks.one_qubit_table`)."""
        return table_forms(self.shared_groups, self.batched_groups)

    @cached_property
    def padded_prefix(self) -> list[list[int]]:
        return _pad([self.prefix_rows], self.identity_row)[0]

    @cached_property
    def prefix_sources(self) -> tuple[str, ...]:
        """Per depth of the prefix, the table its rows come from: "shared", "batched" or "joined" (both)."""
        sources = []
        for depth in range(len(self.padded_prefix[0])):
            batched = {wire[depth] > self.identity_row for wire in self.padded_prefix}
            sources.append("joined" if len(batched) == 2 else "batched" if batched == {True} else "shared")
        return tuple(sources)


def make_recipe(prefix: tuple[tuple[Step, ...], ...] | None, ops: tuple[Operation, ...]) -> Recipe:
    """The `Recipe` of a plan with product-state steps `prefix` (per wire, or None) and operations `ops`."""
    prefix_steps = prefix
    prefix = prefix or ()
    one_qubit_blocks = [
        i for i, op in enumerate(ops) if isinstance(op, Block) and all(len(s.wires) == 1 for s in op.steps)
    ]
    steps = [s for wire_steps in prefix for s in wire_steps]
    steps += [s for i in one_qubit_blocks for s in ops[i].steps]
    shared, batched, row = table_layout(steps)
    block_rows, kron_groups = {}, {}
    for i in one_qubit_blocks:
        op = ops[i]
        block_rows[i] = tuple(
            tuple(row[id(s)] for s in op.steps if s.wires[0] == w) for w in range(op.lo, op.lo + op.width)
        )
        constant = not any(s.columns for s in op.steps)
        kron_groups.setdefault((op.width, op.batched, constant), []).append(i)
    other = tuple(i for i, op in enumerate(ops) if isinstance(op, Block) and i not in block_rows)
    return Recipe(
        shared_groups=shared,
        batched_groups=batched,
        prefix_rows=tuple(tuple(row[id(s)] for s in wire_steps) for wire_steps in prefix) if prefix_steps else None,
        block_rows=block_rows,
        kron_groups={key: tuple(members) for key, members in kron_groups.items()},
        other_blocks=other,
    )


def table_layout(steps) -> tuple[tuple, tuple, dict[int, int]]:
    """The table's layout for one-qubit `steps`: (shared groups, batched groups, row of each step by id).

    Groups are (gate, steps) of one gate each; rows count the shared groups' steps first, then one identity
    row, then the batched groups' steps. Steps are told apart by identity, as equal ones may repeat.
    """
    groups: dict[tuple[str, bool], list[Step]] = {}
    for step in steps:
        groups.setdefault((step.gate, step.batched), []).append(step)
    shared = tuple((gate, tuple(members)) for (gate, batched), members in groups.items() if not batched)
    batched = tuple((gate, tuple(members)) for (gate, batched), members in groups.items() if batched)
    row: dict[int, int] = {}
    position = 0
    for _, members in shared:
        for step in members:
            row[id(step)], position = position, position + 1
    position += 1  # the identity
    for _, members in batched:
        for step in members:
            row[id(step)], position = position, position + 1
    return shared, batched, row


def _pad(rows_per_item, identity: int) -> list:
    """Pad every wire's rows with the identity to the same depth (at least 1)."""
    depth = max([1] + [len(wire) for item in rows_per_item for wire in item])
    return [[list(wire) + [identity] * (depth - len(wire)) for wire in item] for item in rows_per_item]
