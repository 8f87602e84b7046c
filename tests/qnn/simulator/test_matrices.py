"""The simulator's gate tables, each checked against the one gate catalogue (`circuits.gates.GATES`) and the
naive reference's textbook matrices: a gate added to the catalogue fails here until the simulator builds its
matrix and files it as diagonal or permutation where it is one."""

import numpy as np
import pytest
import torch

from circuits.gates import GATES
from qnn.simulator.matrices import DIAGONAL, PERMUTATION, gate_matrix
from qnn.simulator.phases import _PHASE_TERMS
from tests.reference import gate_matrix as reference_matrix

N_WIRES = {gate: spec.n_wires or 3 for gate, spec in GATES.items()}  # MultiRZ on 3 wires


def angles_for(gate: str, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-np.pi, np.pi, GATES[gate].n_params)


@pytest.mark.parametrize("gate", GATES)
def test_every_catalogued_gate_has_the_reference_matrix(gate):
    angles = angles_for(gate)
    ours = gate_matrix(gate, torch.tensor(angles), N_WIRES[gate], torch.complex128).numpy()
    np.testing.assert_allclose(ours, reference_matrix(gate, angles, N_WIRES[gate]), atol=1e-12, rtol=0)


def test_the_diagonal_and_permutation_tables_are_exactly_the_catalogue_s_diagonal_and_permutation_gates():
    diagonal, permutation = set(), set()
    for gate in GATES:
        matrix = reference_matrix(gate, angles_for(gate, seed=1), N_WIRES[gate])
        if np.allclose(matrix, np.diag(np.diag(matrix))):
            diagonal.add(gate)
        if np.allclose(np.abs(matrix), np.round(np.abs(matrix))) and np.allclose(matrix.imag, 0):
            permutation.add(gate)
    assert diagonal == DIAGONAL
    assert permutation - diagonal == PERMUTATION  # Z and CZ (±1 on the diagonal) go with the diagonal gates


@pytest.mark.parametrize("gate", sorted(_PHASE_TERMS))
def test_the_phase_table_holds_diagonal_gates_of_one_or_two_wires(gate):
    assert gate in DIAGONAL and (GATES[gate].n_wires in (1, 2) or gate == "MultiRZ")
