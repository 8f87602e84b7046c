import numpy as np
import torch
from qiskit.primitives import StatevectorEstimator
from qiskit_ibm_runtime.fake_provider import FakeManilaV2

import circuits
from qnn.backends import SimulatorBackend
from qnn.hardware import TranspileCache, gate_angles
from qnn.hardware.transpile import circuit_hash, pauli_operators
from qnn.observables import Probabilities, parse_observables


def isa_values(transpiled, angles):
    pub = (transpiled.circuit, transpiled.observables, angles[:, transpiled.angle_index])
    return StatevectorEstimator().run([pub]).result()[0].data.evs.T


def test_isa_circuit_and_mapped_observables_agree_with_the_simulator(generator):
    circuit = circuits.angle_encoding(3, rotation="Y") + circuits.strongly_entangling(3, n_layers=1, ranges=(2,))
    circuit = circuit + circuits.Circuit.of(3, [circuits.Operation("CRZ", (2, 0), (circuits.Weight(0),))])
    observables = parse_observables(["ZII", "IXY", {"ZZZ": 0.5, "YIX": -2.0}], 3)
    cache = TranspileCache(FakeManilaV2(), optimization_level=2)
    transpiled = cache.get(circuit, observables)
    assert transpiled.circuit.num_qubits == 5  # laid out on the device
    assert set(transpiled.circuit.count_ops()) <= {"rz", "sx", "x", "cx", "ecr", "barrier"}
    x = torch.rand(4, 3, dtype=torch.float64, generator=generator)
    w = torch.rand(circuit.n_weights, dtype=torch.float64, generator=generator) * 6
    expected = SimulatorBackend().run(circuit, observables, x, w).numpy()
    np.testing.assert_allclose(isa_values(transpiled, gate_angles(circuit, x, w).numpy()), expected, atol=1e-6)


def test_probabilities_are_projectors_in_wire_order(generator):
    circuit = circuits.angle_encoding(2, rotation="Y") + circuits.basic_entangler(2, 1)
    cache = TranspileCache(FakeManilaV2(), optimization_level=1)
    transpiled = cache.get(circuit, Probabilities())
    x = torch.rand(3, 2, dtype=torch.float64, generator=generator) * 3
    w = torch.tensor([0.3, 1.1], dtype=torch.float64)
    expected = SimulatorBackend().run(circuit, Probabilities(), x, w).numpy()
    np.testing.assert_allclose(isa_values(transpiled, gate_angles(circuit, x, w).numpy()), expected, atol=1e-6)


def test_transpiles_once_per_structure():
    cache = TranspileCache(FakeManilaV2(), optimization_level=1)
    a = circuits.angle_encoding(2) + circuits.basic_entangler(2, 1)
    observables = parse_observables(None, 2)
    first = cache.get(a, observables)
    assert cache.get(a, observables) is first
    assert cache.n_transpiled == 1
    cache.get(a, parse_observables(["XX"], 2))
    cache.get(circuits.angle_encoding(2, rotation="Y") + circuits.basic_entangler(2, 1), observables)
    assert cache.n_transpiled == 3
    assert circuit_hash(a, observables) == first.circuit_hash


def test_pauli_words_are_reversed_for_qiskit():
    (op,) = pauli_operators(parse_observables([{"XYZ": 0.5}], 3), 3)
    assert op.paulis.to_labels() == ["ZYX"] and op.coeffs[0] == 0.5


def test_measurement_groups_count_the_settings():
    cache = TranspileCache(FakeManilaV2(), optimization_level=1)
    circuit = circuits.angle_encoding(2)
    assert cache.get(circuit, parse_observables(["ZI", "IZ", {"ZZ": 1.0}], 2)).n_groups == 1
    assert cache.get(circuit, parse_observables(["ZI", "XX", {"YY": 0.5, "ZZ": 1.0}], 2)).n_groups == 3
    assert cache.get(circuit, Probabilities()).n_groups == 1
