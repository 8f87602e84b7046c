"""`qnn.qiskit.Sampler` lays out bits as Qiskit's `StatevectorSampler` and samples the exact distribution."""

import numpy as np
import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.circuit.library import efficient_su2
from qiskit.circuit.random import random_circuit
from qiskit.primitives import StatevectorSampler
from qiskit.quantum_info import Statevector

from qnn.qiskit import Sampler


def test_registers_and_bit_order_match_statevector_sampler():
    # A basis state measured into two registers in a scrambled order: every sample is the same string.
    q = QuantumRegister(4)
    a, b = ClassicalRegister(3, "alpha"), ClassicalRegister(2, "beta")
    qc = QuantumCircuit(q, a, b)
    qc.x([0, 2, 3])
    qc.measure([3, 0, 1], [a[0], a[1], a[2]])
    qc.measure([2], [b[1]])
    ours = Sampler(seed=1).run([qc], shots=5).result()[0].data
    theirs = StatevectorSampler(seed=1).run([qc], shots=5).result()[0].data
    for name in ("alpha", "beta"):
        assert getattr(ours, name).num_bits == getattr(theirs, name).num_bits
        assert getattr(ours, name).get_counts() == getattr(theirs, name).get_counts()
    assert ours.alpha.get_counts() == {"011": 5} and ours.beta.get_counts() == {"10": 5}


@pytest.mark.parametrize("seed", range(4))
def test_random_circuits_sample_their_exact_distribution(seed):
    qc = random_circuit(3, depth=5, max_operands=3, seed=seed)
    probabilities = Statevector(qc).probabilities_dict()
    qc.measure_all()
    shots = 20_000
    counts = Sampler(seed=seed).run([qc], shots=shots).result()[0].data.meas.get_counts()
    for key in set(counts) | set(probabilities):
        p = probabilities.get(key, 0.0)
        sigma = np.sqrt(p * (1 - p) / shots)
        assert abs(counts.get(key, 0) / shots - p) <= 5 * sigma + 1e-12, key


def test_a_parameter_array_gives_one_bit_array_per_binding(rng):
    qc = efficient_su2(2, reps=1)
    qc.measure_all()
    values = rng.uniform(-np.pi, np.pi, (3, 2, qc.num_parameters))
    result = Sampler(seed=0).run([(qc, values)], shots=7).result()[0]
    assert result.data.meas.shape == (3, 2) and result.data.meas.num_shots == 7
    # One binding at a time reproduces each entry's distribution support.
    for index in np.ndindex(3, 2):
        bound = qc.remove_final_measurements(inplace=False).assign_parameters(values[index])
        support = {k for k, p in Statevector(bound).probabilities_dict().items() if p > 1e-12}
        assert set(result.data.meas[index].get_counts()) <= support


def test_seeded_samplers_repeat_and_mid_circuit_measurements_are_refused():
    qc = QuantumCircuit(2)
    qc.h([0, 1])
    qc.measure_all()
    first, second = (Sampler(seed=5).run([qc], shots=50).result()[0].data.meas for _ in range(2))
    assert first.get_bitstrings() == second.get_bitstrings()
    mid = QuantumCircuit(1, 1)
    mid.measure(0, 0)
    mid.h(0)
    with pytest.raises(ValueError, match="measured before other gates"):
        Sampler().run([mid]).result()
    with pytest.raises(ValueError, match="default_shots must be a positive integer"):
        Sampler(default_shots=0)
