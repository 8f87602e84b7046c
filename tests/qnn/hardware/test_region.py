import tracemalloc

import numpy as np
import pytest
import torch
from qiskit.primitives import StatevectorEstimator
from qiskit_aer.noise import NoiseModel
from qiskit_aer.primitives import EstimatorV2 as AerEstimator
from qiskit_ibm_runtime.fake_provider import FakeFez, FakeManilaV2, FakeTorino

import circuits
from qnn.backends import SimulatorBackend
from qnn.hardware import TranspileCache, gate_angles
from qnn.hardware.region import DeviceRegion, localize_estimator_pub, restricted_target, touched_qubits
from qnn.observables import parse_observables

CIRCUIT = circuits.angle_encoding(3, rotation="Y") + circuits.strongly_entangling(3, n_layers=1)
OBSERVABLES = parse_observables(["ZII", "IXY", {"ZZZ": 0.5, "YIX": -2.0}], 3)


def pub_for(device, generator, n=4):
    transpiled = TranspileCache(device, optimization_level=2).get(CIRCUIT, OBSERVABLES)
    x = torch.rand(n, 3, dtype=torch.float64, generator=generator)
    w = torch.rand(CIRCUIT.n_weights, dtype=torch.float64, generator=generator) * 6
    angles = gate_angles(CIRCUIT, x, w).numpy()
    pub = (transpiled.circuit, transpiled.observables, angles[:, transpiled.angle_index])
    return pub, SimulatorBackend().run(CIRCUIT, OBSERVABLES, x, w).numpy()


@pytest.mark.parametrize("device", [FakeTorino, FakeFez], ids=["torino-133", "fez-156"])
def test_pubs_for_whole_devices_stay_sparse(device, generator):
    tracemalloc.start()
    pub, _ = pub_for(device(), generator)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    circuit, observables, values = pub
    assert circuit.num_qubits == device().num_qubits and observables.shape == (3, 1) and values.shape[0] == 4
    # A dense operator on this many qubits cannot exist; building the PUB takes a few MB of Python objects.
    assert peak < 64 * 2**20, f"{peak / 2**20:.0f} MiB"


@pytest.mark.parametrize("device", [FakeTorino, FakeFez], ids=["torino-133", "fez-156"])
def test_region_of_a_large_device_computes_the_circuit(device, generator):
    pub, expected = pub_for(device(), generator)
    region, local = localize_estimator_pub(device(), pub)
    assert 3 <= region.num_qubits <= 8  # the touched qubits, not the device
    values = StatevectorEstimator().run([local]).result()[0].data.evs.T
    np.testing.assert_allclose(values, expected, atol=1e-6)


def test_region_keeps_the_calibration_of_its_qubits():
    device = FakeTorino()
    qubits = (3, 4, 16)
    small = restricted_target(device.target, qubits)
    assert small.num_qubits == 3
    for new, old in enumerate(qubits):
        assert small.qubit_properties[new].t1 == device.target.qubit_properties[old].t1
        assert small["measure"][(new,)].error == device.target["measure"][(old,)].error
        assert small["sx"][(new,)].error == device.target["sx"][(old,)].error
    two_qubit = {
        (qubits.index(a), qubits.index(b)): p for (a, b), p in device.target["cz"].items() if {a, b} <= {3, 4, 16}
    }
    assert two_qubit and {k: v.error for k, v in small["cz"].items()} == {k: v.error for k, v in two_qubit.items()}


def test_noisy_region_matches_the_whole_noisy_device(generator):
    """The rehearsal's method: the touched qubits with their noise give the whole device's noisy result."""
    device = FakeManilaV2()
    circuit = circuits.angle_encoding(2, rotation="Y") + circuits.basic_entangler(2, n_layers=2)
    observables = parse_observables(["ZI", "ZZ", "XX"], 2)
    transpiled = TranspileCache(device, optimization_level=1).get(circuit, observables)
    x = torch.rand(3, 2, dtype=torch.float64, generator=generator) * 3
    angles = gate_angles(circuit, x, torch.tensor([0.4, 2.1, 1.3, 0.2], dtype=torch.float64)).numpy()
    pub = (transpiled.circuit, transpiled.observables, angles[:, transpiled.angle_index])
    region, local = localize_estimator_pub(device, pub)
    assert isinstance(region, DeviceRegion) and region.num_qubits < device.num_qubits

    def noisy(backend, pub):
        options = {"noise_model": NoiseModel.from_backend(backend), "method": "density_matrix"}
        return AerEstimator(options={"backend_options": options}).run([pub]).result()[0].data.evs

    whole, part = noisy(device, pub), noisy(region, local)
    ideal = StatevectorEstimator().run([pub]).result()[0].data.evs
    assert np.abs(whole - ideal).max() > 0.01  # the noise is there to be matched
    np.testing.assert_allclose(part, whole, atol=1e-9)


def test_touched_qubits_include_idle_observed_wires():
    from qiskit import QuantumCircuit
    from qiskit.quantum_info import SparseObservable

    qc = QuantumCircuit(10)
    qc.x(2)
    qc.barrier()
    observable = SparseObservable.from_sparse_list([("Z", [7], 1.0)], num_qubits=10)
    assert touched_qubits(qc, [observable]) == (2, 7)
