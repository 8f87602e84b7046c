import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter
from qiskit.quantum_info import SparsePauliOp

from qnn.hardware import AerExecutor, FakeExecutor, RuntimeOptions, fake_device, fake_devices
from qnn.hardware.executors import AER_BASIS_GATES, fake_device_class


@pytest.mark.parametrize("name", ["manila", "fake_manila", "FakeManilaV2", "Manila"])
def test_fake_device_names(name):
    assert fake_device(name).name == "fake_manila"


def test_fake_devices_include_current_and_retired_ones():
    devices = fake_devices()
    assert {"manila", "sherbrooke", "torino"} <= set(devices)
    assert all(name.isalpha() and name == name.lower() for name in devices)
    with pytest.raises(ValueError, match=r"unknown fake backend 'nowhere'; available: .*manila"):
        fake_device_class("nowhere")


def test_aer_basis_leaves_out_controlled_rotations():
    assert not {"crx", "cry", "crz"} & set(AER_BASIS_GATES)
    assert AerExecutor().basis_gates == AER_BASIS_GATES
    assert AerExecutor("manila").basis_gates is None and AerExecutor("manila").name == "aer+noise:manila"


def test_aer_executor_runs_one_pub_with_broadcast_observables():
    theta = Parameter("t")
    qc = QuantumCircuit(1)
    qc.ry(theta, 0)
    observables = np.empty((2, 1), dtype=object)  # np.array would unpack the operators
    observables[:, 0] = [SparsePauliOp("Z"), SparsePauliOp("X")]
    angles = np.array([[0.0], [np.pi / 2], [np.pi]])
    evs = AerExecutor().submit((qc, observables, angles), None, None).result()[0].data.evs
    np.testing.assert_allclose(evs, [[1, 0, -1], [0, 1, 0]], atol=1e-12)


def test_fake_executor_sends_shots_and_seed():
    executor = FakeExecutor("manila", RuntimeOptions(resilience_level=0))
    assert executor.name == "fake:manila" and not executor.is_real
    assert executor.options_record(200, 9)["default_shots"] == 200
    assert executor.options_record(200, 9)["simulator"]["seed_simulator"] == 9
