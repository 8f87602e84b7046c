import numpy as np
import pytest
import torch

import circuits
from qnn.observables import PauliSum, Probabilities, parse_observables, z_on_each_wire
from qnn.simulator import expectations, simulate
from tests.reference import reference_expval, reference_state


def test_default_is_z_on_each_wire():
    assert parse_observables(None, 3) == z_on_each_wire(3)
    assert [obs.terms[0][1] for obs in z_on_each_wire(3)] == ["ZII", "IZI", "IIZ"]


def test_specifications_are_parsed_into_pauli_sums():
    parsed = parse_observables(["ZZ", {"XI": 0.5, "IY": -2}, [(1.5, "XX")], PauliSum(((1.0, "Z"),))], 2)
    assert parsed == (
        PauliSum(((1.0, "ZZ"),)),
        PauliSum(((0.5, "XI"), (-2.0, "IY"))),
        PauliSum(((1.5, "XX"),)),
        PauliSum(((1.0, "ZI"),)),  # a shorter word leaves the remaining wires alone
    )
    assert parse_observables("probs", 2) == Probabilities()
    assert parse_observables("XY", 2) == (PauliSum(((1.0, "XY"),)),)


def test_coefficients_must_be_real():
    with pytest.raises(TypeError, match="coefficient of 'ZZ' must be a real number"):
        parse_observables([{"ZZ": 1j}], 2)


@pytest.mark.parametrize("word", ["XYZ", "YYI", "IXY", "ZZZ", "YIX"])
def test_expectations_agree_with_the_reference(word):
    circuit = circuits.iqp_encoding(3) + circuits.strongly_entangling(3, n_layers=2)
    rng = np.random.default_rng(3)
    x, w = rng.uniform(-2, 2, (2, 3)), rng.uniform(-2, 2, circuit.n_weights)
    state = simulate(circuit, torch.tensor(x), torch.tensor(w), dtype=torch.complex128)
    ours = expectations(state.reshape(2, 2, 2, 2), (PauliSum(((0.5, word),)),))
    for b in range(2):
        expected = 0.5 * reference_expval(reference_state(circuit, x[b], w), word)
        assert ours[b, 0].item() == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("n_qubits", [3, 7])  # read from one table of basis-state values, and from two halves
def test_z_only_sums_agree_with_the_reference(n_qubits):
    circuit = circuits.angle_encoding(n_qubits) + circuits.strongly_entangling(n_qubits, n_layers=2)
    rng = np.random.default_rng(5)
    x, w = rng.uniform(-2, 2, (2, n_qubits)), rng.uniform(-2, 2, circuit.n_weights)
    words = ["Z" + "I" * (n_qubits - 1), "IZ" + "Z" * (n_qubits - 2), "I" * n_qubits]
    observables = (PauliSum(((0.5, words[0]), (-1.5, words[1]))), PauliSum(((2.0, words[2]),)))
    state = simulate(circuit, torch.tensor(x), torch.tensor(w), dtype=torch.complex128)
    ours = expectations(state, observables)
    for b in range(2):
        reference = reference_state(circuit, x[b], w)
        first = 0.5 * reference_expval(reference, words[0]) - 1.5 * reference_expval(reference, words[1])
        assert ours[b].tolist() == pytest.approx([first, 2.0], abs=1e-12)
