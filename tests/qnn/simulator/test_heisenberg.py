"""Folding a plan's final permutation into Z-only observables: the conjugation rules against dense
matrices, and measurements with and without the fold against each other."""

from dataclasses import replace
from functools import reduce

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import circuits
from circuits.circuit import Circuit, Operation, Weight
from qnn.backends import SimulatorBackend
from qnn.observables import PauliSum, parse_observables
from qnn.simulator import compile_circuit, run_program
from qnn.simulator.fusion import Permutation, make_plan
from qnn.simulator.heisenberg import fold_final_permutation
from qnn.simulator.measure import expectations
from qnn.simulator.program import Step

N = 3
I2, X, Z = np.eye(2), np.array([[0, 1], [1, 0]]), np.diag([1, -1])


def dense_word(word: str) -> np.ndarray:
    return reduce(np.kron, [Z if letter == "Z" else I2 for letter in word])


def dense_gate(step: Step) -> np.ndarray:
    """The gate's 2**N x 2**N matrix, wire 0 the most significant bit."""
    matrix = np.zeros((2**N, 2**N))
    for index in range(2**N):
        bits = [(index >> (N - 1 - w)) & 1 for w in range(N)]
        if step.gate == "X":
            bits[step.wires[0]] ^= 1
        elif step.gate == "CNOT":
            bits[step.wires[1]] ^= bits[step.wires[0]]
        else:
            a, b = step.wires
            bits[a], bits[b] = bits[b], bits[a]
        matrix[int("".join(map(str, bits)), 2), index] = 1
    return matrix


def permutation_steps():
    pairs = st.lists(st.integers(0, N - 1), min_size=2, max_size=2, unique=True)
    step = st.one_of(
        st.builds(lambda w: Step("X", (w,), (), False), st.integers(0, N - 1)),
        st.builds(lambda ws: Step("CNOT", tuple(ws), (), False), pairs),
        st.builds(lambda ws: Step("SWAP", tuple(ws), (), False), pairs),
    )
    return st.lists(step, min_size=1, max_size=6)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(permutation_steps(), st.text("IZ", min_size=N, max_size=N))
def test_folded_words_are_the_conjugated_observable(steps, word):
    plan = make_plan(compile_circuit(circuits.angle_encoding(N)))
    plan = replace(plan, ops=(Permutation(tuple(steps)),))
    folded_plan, (folded,) = fold_final_permutation(plan, (PauliSum(((0.5, word),)),))
    assert folded_plan.ops == ()
    permutation = reduce(lambda total, step: dense_gate(step) @ total, steps, np.eye(2**N))
    expected = permutation.T @ (0.5 * dense_word(word)) @ permutation
    ((coefficient, new_word),) = folded.terms
    np.testing.assert_array_equal(coefficient * dense_word(new_word), expected)


def test_only_z_only_observables_and_final_permutations_are_folded():
    plan = make_plan(compile_circuit(circuits.angle_encoding(N) + circuits.strongly_entangling(N, 1)))
    assert isinstance(plan.ops[-1], Permutation)
    for observables in (parse_observables(["XZI"], N), parse_observables("probs", N)):
        assert fold_final_permutation(plan, observables) == (plan, observables)
    folded_plan, _ = fold_final_permutation(plan, parse_observables(None, N))
    assert folded_plan.ops == plan.ops[:-1]


@pytest.mark.parametrize("method", ["adjoint", "backprop"])
def test_folded_measurement_matches_the_final_state(method, generator):
    """Values and gradients through the backend (which folds) against measuring the whole plan's state."""
    ring = [Operation("X", (1,), ()), Operation("SWAP", (0, 2), ()), Operation("CNOT", (2, 1), ())]
    rotation = [Operation("RY", (w,), (Weight(w),)) for w in range(N)]
    circuit = circuits.angle_encoding(N) + circuits.strongly_entangling(N, 1) + Circuit.of(N, [*rotation, *ring])
    observables = parse_observables(["ZZI", {"IZZ": 0.5, "ZIZ": -1.0}, "IIZ"], N)
    x = torch.rand(4, N, dtype=torch.float64, generator=generator).requires_grad_(True)
    w = torch.rand(circuit.n_weights, dtype=torch.float64, generator=generator).requires_grad_(True)
    ours = SimulatorBackend(method=method).run(circuit, observables, x, w)
    state = run_program(compile_circuit(circuit), x, w, torch.complex128)  # the whole plan, nothing folded
    expected = expectations(state, observables)
    torch.testing.assert_close(ours, expected, atol=1e-12, rtol=0)
    for a, b in zip(torch.autograd.grad(ours.sum(), (x, w)), torch.autograd.grad(expected.sum(), (x, w)), strict=True):
        torch.testing.assert_close(a, b, atol=1e-12, rtol=0)
