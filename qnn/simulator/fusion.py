"""Group a program's steps into fewer, larger operations: the plan the engine runs.

Three ideas, each of which can be switched off (`make_plan` arguments):

- **Product state** (`product_state=True`): one-qubit gates that act on a wire before any
  multi-qubit gate does (an angle encoding, the first rotation layer) leave the state a product
  of one-qubit states. Those are computed as (batch, 2) vectors and multiplied out once.
- **Fusion** (`fuse=k`): gates on at most `k` neighbouring wires are multiplied into one dense
  2**k × 2**k matrix, applied to the state as one matrix product. A gate may join an earlier
  block when no block after that one touches its wires (gates on other wires commute with it).
- **Permutations**: runs of X, CNOT and SWAP gates form one operation, applied as strided copies
  (one per gate) or as one gather (`PERMUTE_BY_GATHER`).

With `fuse=0` every gate is its own operation.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from qnn.simulator.operations import (
    Block,
    Diagonal,
    Operation,
    Permutation,
    PhaseRun,
    Single,
    StatePrep,
    operation_wires,
)
from qnn.simulator.phases import gather_phase_runs
from qnn.simulator.program import PHASE_RUN, Program, Step, step_kind
from qnn.simulator.recipe import Recipe, make_recipe

__all__ = [
    "Block",
    "Diagonal",
    "Operation",
    "Permutation",
    "PhaseRun",
    "Plan",
    "Single",
    "StatePrep",
    "make_plan",
    "operation_wires",
]


@dataclass(frozen=True)
class Plan:
    n_qubits: int
    prefix: tuple[tuple[Step, ...], ...] | None  # per wire, the one-qubit steps of the product state
    ops: tuple[Operation, ...]
    weight_columns: range  # `Program.weight_columns`: the steps' columns that hold weights; inputs follow them

    @property
    def has_state_prep(self) -> bool:
        return any(isinstance(op, StatePrep) for op in self.ops)

    @cached_property  # worked out once per plan, read on every call
    def recipe(self) -> Recipe:
        """How the plan's one-qubit matrices are assembled (`qnn.simulator.recipe`)."""
        return make_recipe(self.prefix, self.ops)

    @cached_property  # read on every backward pass
    def commuting_runs(self) -> tuple[range, ...]:
        """The operations' indices cut into maximal runs of consecutive operations on pairwise disjoint
        wires (a layer of blocks, say): the operations of a run commute, so any of them may be taken as
        the run's last."""
        runs, start, taken = [], 0, set()
        for i, op in enumerate(self.ops):
            wires = operation_wires(op)
            if taken & wires:
                runs.append(range(start, i))
                start, taken = i, set()
            taken |= wires
        if self.ops:
            runs.append(range(start, len(self.ops)))
        return tuple(runs)

    @cached_property  # read twice a call, by the memory estimates
    def per_sample_entries(self) -> int:
        """Numbers per sample in the plan's input-dependent tensors (see `blocks.plan_matrices`)."""
        entries = 0
        for op in self.ops:
            if isinstance(op, Block) and op.batched:
                entries += 4**op.width
            elif isinstance(op, PhaseRun) and op.step.batched:
                k = len(op.step.wires)
                entries += (1 + k + k * k + 1) // 2  # its real coefficients; the diagonal is made where applied
            elif isinstance(op, Diagonal | StatePrep) and op.step.batched:
                entries += 2 ** len(op.step.wires)  # a diagonal, or StatePrep's amplitudes
            elif isinstance(op, Single) and op.step.batched:
                entries += 4 ** len(op.step.wires)  # its matrix
        if self.prefix is not None and any(step.batched for wire in self.prefix for step in wire):
            entries += 4 * self.n_qubits  # a 2×2 matrix per wire
        return entries

    def trained(self, input_gradients: bool) -> tuple[frozenset[int], bool]:
        """(the operations whose tensors a gradient flows to, whether it flows to the product state's factors):
        those that read a weight, or an input where `input_gradients`. The others' tensors are constants of
        the backward pass: an encoding's, while the inputs need no gradient."""
        return self._trained[input_gradients]

    @cached_property  # read on every adjoint call
    def _trained(self) -> dict[bool, tuple[frozenset[int], bool]]:
        weights, first_input = self.weight_columns, self.weight_columns.stop

        def trained(steps, input_gradients: bool) -> bool:
            columns = [c for step in steps for c in step.columns]
            return any(c in weights or (input_gradients and c >= first_input) for c in columns)

        steps = [op.steps if isinstance(op, Block | Permutation) else (op.step,) for op in self.ops]
        prefix = [step for wire in self.prefix or () for step in wire]
        return {
            flag: (frozenset(i for i, s in enumerate(steps) if trained(s, flag)), trained(prefix, flag))
            for flag in (False, True)
        }

    def rewound_runs(self, input_gradients: bool = True) -> tuple[range, ...]:
        """The commuting runs the backward pass rewinds the state past, costliest first, of those that cost
        more to rewind than a copy and its restoring (a block of 3 wires or more: 8 or more products per
        amplitude). Only runs after the first operation with a gradient (`trained`) are rewound."""
        return self._rewound_runs[input_gradients]

    @cached_property  # read by every adjoint training step (`checkpoints`)
    def _rewound_runs(self) -> dict[bool, tuple[range, ...]]:
        return {flag: self._rewound_after(self.trained(flag)[0]) for flag in (False, True)}

    def _rewound_after(self, trained: frozenset[int]) -> tuple[range, ...]:
        if not trained:
            return ()

        def cost(run: range) -> int:
            return sum(2 ** len(operation_wires(self.ops[i])) for i in run if not isinstance(self.ops[i], Permutation))

        rewound = [run for run in self.commuting_runs if run.start > min(trained) and cost(run) >= 8]
        return tuple(sorted(rewound, key=lambda run: (-cost(run), -run.start)))


def make_plan(program: Program, fuse: int = 4, product_state: bool = True) -> Plan:
    """The operations that run `program`; see the module docstring for `fuse` and `product_state`.

    Example:
        >>> import circuits
        >>> from qnn.simulator import compile_circuit
        >>> plan = make_plan(compile_circuit(circuits.angle_encoding(3) + circuits.strongly_entangling(3, 2)))
        >>> [len(steps) for steps in plan.prefix], [type(op).__name__ for op in plan.ops]
        ([2, 2, 2], ['Permutation', 'Block', 'Permutation'])
    """
    if isinstance(fuse, bool) or not isinstance(fuse, int) or fuse < 0:
        raise ValueError(f"fuse must be a non-negative integer (widest fused block in qubits), got {fuse!r}")
    n = program.n_qubits
    if fuse:  # runs of diagonal gates become one phase per sample, wider than a block (which would absorb them)
        program = gather_phase_runs(program, min_wires=fuse + 1)
    prefix, rest = _split_prefix(program) if product_state else (None, program.steps)
    return Plan(n, prefix, tuple(_fuse(_last_wire_first(rest), fuse)), program.weight_columns)


def _last_wire_first(steps: tuple[Step, ...]) -> tuple[Step, ...]:
    """Each run of consecutive one-wire steps ordered from the last wire to the first: a stable sort, so each
    wire's steps keep their order (steps on different wires commute).

    Blocks grow from the first gate they take, so a layer's blocks then tile the wires from the last one
    ([6-9], [2-5], [0-1] at 10 qubits, not [0-3], [4-7], [8-9]): no block has a few wires after it, where
    its products are small and slow (`kernels.apply_block`). Measured forward and backward on the adjoint
    engine, one thread (angle or IQP encoding, or ZZ feature map, with strongly entangling, hardware
    efficient or basic entangler layers): 1.03-1.37x faster at 9, 10, 11, 13 and 14 qubits, the same
    (0.97-1.06x) at 5-8 and 12."""
    out: list[Step] = []
    run: list[Step] = []
    for step in steps:
        if len(step.wires) == 1 and step_kind(step.gate) != "state_prep":
            run.append(step)
            continue
        out += sorted(run, key=lambda s: -s.wires[0])
        run = []
        out.append(step)
    return tuple(out + sorted(run, key=lambda s: -s.wires[0]))


def _split_prefix(program: Program) -> tuple[tuple[tuple[Step, ...], ...], tuple[Step, ...]]:
    """One-qubit steps on wires no multi-qubit step has touched yet, and the remaining steps."""
    per_wire: list[list[Step]] = [[] for _ in range(program.n_qubits)]
    open_wires = set(range(program.n_qubits))
    rest = []
    for step in program.steps:
        if len(step.wires) == 1 and step.wires[0] in open_wires and step_kind(step.gate) != "state_prep":
            per_wire[step.wires[0]].append(step)
        else:
            open_wires.difference_update(step.wires)
            rest.append(step)
    return tuple(tuple(s) for s in per_wire), tuple(rest)


def _fuse(steps: tuple[Step, ...], width: int) -> list[Operation]:
    ops: list[list] = []  # [kind, lo, hi, steps]
    last: dict[int, int] = {}  # wire -> index in ops of the last operation acting on it
    for step in steps:
        kind = step_kind(step.gate)
        earliest = max((last.get(w, -1) for w in step.wires), default=-1)
        target = _find_target(ops, earliest, step, kind, width)
        if target is None:
            ops.append(_new_op(step, kind, width))
            target = len(ops) - 1
        else:
            op = ops[target]
            op[1], op[2] = min(op[1], *step.wires), max(op[2], *step.wires)
            op[3].append(step)
        for w in step.wires:
            last[w] = target
    return [_freeze(op) for op in ops]


def _find_target(ops, earliest: int, step: Step, kind: str, width: int) -> int | None:
    """An operation at or after `earliest` that may absorb `step` (none after it touches step's wires)."""
    if width == 0 or kind == "state_prep":
        return None
    for i in range(max(earliest, 0), len(ops)):
        op_kind, lo, hi, _ = ops[i]
        if kind == "permutation" and op_kind == "permutation":
            return i
        fits = max(hi, *step.wires) - min(lo, *step.wires) < width
        if kind != "permutation" and op_kind == "block" and fits:
            return i
    return None


def _new_op(step: Step, kind: str, width: int) -> list:
    lo, hi = min(step.wires), max(step.wires)
    if kind == "permutation":
        return ["permutation", lo, hi, [step]]
    if kind == "state_prep":
        return ["state_prep", lo, hi, [step]]
    if hi - lo < max(width, 1):
        return ["block", lo, hi, [step]]
    return ["diagonal" if kind == "diagonal" else "single", lo, hi, [step]]


def _freeze(op: list) -> Operation:
    kind, lo, hi, steps = op
    if kind == "block":
        return Block(lo, hi - lo + 1, tuple(steps))
    if kind == "permutation":
        return Permutation(tuple(steps))
    if kind == "diagonal" and steps[0].gate == PHASE_RUN and steps[0].batched:  # a shared one is one diagonal
        return PhaseRun(steps[0])
    return {"diagonal": Diagonal, "state_prep": StatePrep, "single": Single}[kind](steps[0])
