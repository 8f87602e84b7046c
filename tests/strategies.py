"""Hypothesis strategies for random circuits and the inputs and weights to run them with.

`random_circuits()` draws valid `Circuit`s from the whole gate catalogue (every gate in `GATES`,
MultiRZ on one to all wires, optionally `StatePrep` on wires still in |0…0⟩), with parameters drawn
from every source (`Const`, `Input`, `InputProduct`, `Weight`). `circuit_with_values()` adds a batch
of inputs and a weight vector. No global seeding: use `@settings(derandomize=True)` or `@seed(...)`
where a test must see the same circuits every run.

Example:
    >>> from hypothesis import given
    >>> @given(circuit_with_values(max_qubits=3))
    ... def test_runs(case):
    ...     circuit, x, w = case
    ...     assert x.shape[1] == circuit.n_inputs and w.shape == (circuit.n_weights,)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from circuits.circuit import Circuit, Const, Input, InputProduct, Operation, Weight
from circuits.gates import GATES, STATE_PREP

ANGLES = st.floats(-math.pi, math.pi, allow_nan=False, allow_infinity=False)
MAX_STATE_PREP_WIRES = 3


def constants() -> st.SearchStrategy[Const]:
    return st.builds(Const, ANGLES)


def inputs(n_inputs: int) -> st.SearchStrategy[Input]:
    return st.builds(Input, st.integers(0, n_inputs - 1), st.floats(-2.0, 2.0), ANGLES)


def input_products(n_inputs: int) -> st.SearchStrategy[InputProduct]:
    factors = st.lists(inputs(n_inputs), min_size=1, max_size=3).map(tuple)
    return st.builds(InputProduct, factors, st.floats(-2.0, 2.0))


def param_sources(n_inputs: int, n_weights: int) -> st.SearchStrategy:
    """A parameter source that the circuit can satisfy: inputs only if it has some, weights likewise."""
    sources = [constants()]
    if n_inputs:
        sources += [inputs(n_inputs), input_products(n_inputs)]
    if n_weights:
        sources.append(st.builds(Weight, st.integers(0, n_weights - 1), st.sampled_from([1.0, 1.0, 0.5, -2.0])))
    return st.one_of(sources)


@st.composite
def operations(draw, n_qubits: int, n_inputs: int, n_weights: int, gates: Sequence[str] = tuple(GATES)) -> Operation:
    """One gate from `gates` (those that fit on `n_qubits` wires) on distinct wires in any order."""
    fitting = [g for g in gates if (GATES[g].n_wires or 1) <= n_qubits]
    gate = draw(st.sampled_from(fitting))
    k = GATES[gate].n_wires or draw(st.integers(1, n_qubits))
    wires = draw(st.permutations(range(n_qubits)))[:k]
    params = tuple(draw(param_sources(n_inputs, n_weights)) for _ in range(GATES[gate].n_params))
    return Operation(gate, wires, params)


@st.composite
def weight_shapes(draw, max_blocks: int = 2) -> tuple[tuple[int, ...], ...]:
    """Zero to `max_blocks` weight blocks, each of one or two dimensions of size 1 to 3."""
    block = st.lists(st.integers(1, 3), min_size=1, max_size=2).map(tuple)
    return tuple(draw(st.lists(block, max_size=max_blocks)))


@st.composite
def state_prep(draw, operations: list[Operation], n_qubits: int, n_inputs: int, n_weights: int) -> list[Operation]:
    """`operations` with one StatePrep inserted on some wires, before any gate that touches them.

    The wires are ones no earlier StatePrep holds: inserting before that one would spoil its |0…0⟩.
    """
    taken = {w for op in operations if op.gate == STATE_PREP for w in op.wires}
    free = [w for w in range(n_qubits) if w not in taken]
    if not free:
        return operations
    k = draw(st.integers(1, min(len(free), MAX_STATE_PREP_WIRES)))
    wires = draw(st.permutations(free))[:k]
    first_touch = next((i for i, op in enumerate(operations) if set(op.wires) & set(wires)), len(operations))
    at = draw(st.integers(0, first_touch))
    # A nonzero first amplitude keeps the vector normalisable whatever the other sources give.
    first = Const(draw(st.floats(0.1, math.pi)) * draw(st.sampled_from([-1.0, 1.0])))
    rest = tuple(draw(param_sources(n_inputs, n_weights)) for _ in range(2**k - 1))
    return [*operations[:at], Operation(STATE_PREP, wires, (first, *rest)), *operations[at:]]


@st.composite
def random_circuits(
    draw,
    max_qubits: int = 5,
    max_ops: int = 12,
    allow_state_prep: bool = True,
    gates: Sequence[str] = tuple(GATES),
) -> Circuit:
    """A valid `Circuit` of 1 to `max_qubits` wires and 0 to `max_ops` gates drawn from `gates`.

    With `allow_state_prep`, zero to two `StatePrep`s are inserted, each on wires no earlier gate touches.
    """
    min_qubits = 1 if any(GATES[g].n_wires in (1, None) for g in gates) else 2
    n_qubits = draw(st.integers(min_qubits, max_qubits))
    n_inputs = draw(st.integers(0, 4))
    shapes = draw(weight_shapes())
    n_weights = sum(math.prod(s) for s in shapes)
    ops = draw(st.lists(operations(n_qubits, n_inputs, n_weights, gates), max_size=max_ops))
    if allow_state_prep:
        for _ in range(draw(st.integers(0, 2))):
            ops = draw(state_prep(ops, n_qubits, n_inputs, n_weights))
    return Circuit(n_qubits, tuple(ops), n_inputs, shapes)


@st.composite
def circuit_with_values(
    draw,
    max_qubits: int = 5,
    max_ops: int = 12,
    allow_state_prep: bool = True,
    max_batch: int = 3,
    gates: Sequence[str] = tuple(GATES),
) -> tuple[Circuit, np.ndarray, np.ndarray]:
    """(circuit, x (batch, n_inputs) float64, w (n_weights,) float64), values in [-π, π]."""
    circuit = draw(random_circuits(max_qubits, max_ops, allow_state_prep, gates))
    batch = draw(st.integers(1, max_batch))
    x = draw(arrays(np.float64, (batch, circuit.n_inputs), elements=ANGLES))
    w = draw(arrays(np.float64, (circuit.n_weights,), elements=ANGLES))
    return circuit, x, w
