"""Every fake device that qnn offers runs a small layer, or is refused with its reason."""

import math
import warnings

import pytest
import torch

import circuits
from qnn import QuantumLayer
from qnn.backends import FakeBackend, available_backends, get_backend
from qnn.hardware import RuntimeOptions
from qnn.hardware.executors import RETIRED_FAKE_DEVICES, fake_devices, runnable_fake_devices

CIRCUIT = circuits.angle_encoding(2, rotation="Y") + circuits.basic_entangler(2, n_layers=1, rotation="Y")
REHEARSAL = RuntimeOptions(resilience_level=0, max_qpu_seconds=1e6)
# Devices that qiskit's transpiler cannot target with this circuit: the mixed cx/ecr directions of
# cairo's calibration make its gate-direction pass fail at optimization level 2.
UNTRANSPILABLE = {"cairo"}


def offered_fake_devices() -> list[str]:
    return [name.removeprefix("fake:") for name in available_backends() if name.startswith("fake:")]


def test_offered_devices_are_the_runnable_ones():
    assert offered_fake_devices() == runnable_fake_devices()
    assert {"torino", "fez", "sherbrooke", "kingston", "marrakesh"} <= set(offered_fake_devices())
    assert set(RETIRED_FAKE_DEVICES) <= set(fake_devices()) and not set(RETIRED_FAKE_DEVICES) & set(
        offered_fake_devices()
    )


# The runtime warns once, when the device is built, that nighthawk's fake properties are not typical.
NIGHTHAWK = "ignore:Properties of fake_nighthawk are not intended:UserWarning"


@pytest.mark.filterwarnings(NIGHTHAWK)
def test_retired_devices_have_no_sx_gate_and_are_refused_with_the_reason():
    for name in RETIRED_FAKE_DEVICES:
        assert "sx" not in fake_devices()[name]().target.operation_names
        with pytest.raises(ValueError, match=rf"fake:{name} is a retired device whose gates \(u1, u2, u3\)"):
            get_backend(f"fake:{name}")
    current = [name for name in offered_fake_devices() if name not in UNTRANSPILABLE]
    assert all("sx" in fake_devices()[name]().target.operation_names for name in current)


@pytest.mark.filterwarnings(NIGHTHAWK)
@pytest.mark.parametrize("name", offered_fake_devices())
def test_every_offered_device_runs_a_training_step_or_says_why_not(name, generator):
    layer = QuantumLayer(CIRCUIT, backend=FakeBackend(name, REHEARSAL), shots=64, generator=generator)
    x = torch.rand(2, 2, generator=generator)
    n_qubits = fake_devices()[name]().num_qubits
    if n_qubits < CIRCUIT.n_qubits:
        with pytest.raises(ValueError, match=rf"the circuit has 2 qubits but fake:{name} has {n_qubits}"):
            layer(x)
        return
    if name in UNTRANSPILABLE:
        with pytest.raises(ValueError, match=rf"qiskit cannot transpile this circuit for fake_{name}"):
            layer(x)
        return
    assert layer.backend.runner.n_qubits == n_qubits  # the device is built (and may warn about itself) first
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # default options: no warning per job
        layer(x).sum().backward()
    assert layer.weights.grad is not None and layer.backend.n_jobs == 1


@pytest.mark.parametrize("name", ["torino", "sherbrooke", "fez"])
def test_rehearsal_on_current_devices_is_close_to_exact(name, generator):
    shots = 2000
    circuit = circuits.angle_encoding(3, rotation="Y") + circuits.strongly_entangling(3, n_layers=1)
    layer = QuantumLayer(circuit, backend=FakeBackend(name, REHEARSAL), shots=shots, generator=generator)
    exact = QuantumLayer(circuit, generator=generator, dtype=torch.complex128)
    exact.load_state_dict({"weights": layer.weights.detach().double()})
    x = torch.rand(3, 3, generator=generator)
    values = layer(x)
    values.sum().backward()  # parameter-shift circuits rode in the same job
    reference = exact(x.double())
    (slope,) = torch.autograd.grad(reference.sum(), exact.weights)
    # Shot noise (5 standard errors) plus the device's errors on a shallow three-qubit circuit.
    assert ((values.double() - reference).abs() < 5 / math.sqrt(shots) + 0.15).all()
    assert torch.corrcoef(torch.stack([layer.weights.grad.double(), slope]))[0, 1] > 0.8
    assert layer.backend.n_jobs == 1
