import io
import logging
import math

import pytest
import torch
from torch import nn

import circuits
from qnn import QuantumLayer
from qnn.backends import FakeBackend, IBMBackend
from qnn.hardware import CostLimitError, JobJournal, RuntimeOptions
from tests.qnn.hardware.standin import StandInMode, StandInService

CIRCUIT = circuits.angle_encoding(2, rotation="Y") + circuits.basic_entangler(2, n_layers=2, rotation="Y")


def layers(backend, generator, observables=None, shots=None):
    reference = QuantumLayer(CIRCUIT, observables, dtype=torch.complex128, generator=generator)
    layer = QuantumLayer(
        CIRCUIT, observables, backend=backend, dtype=torch.complex128, shots=shots, generator=generator
    )
    layer.load_state_dict(reference.state_dict())
    return reference, layer


def test_fake_device_is_close_to_the_simulator_and_reproducible(generator):
    shots = 4000
    reference, layer = layers(FakeBackend("manila"), generator, shots=shots)
    x = torch.rand(4, 2, dtype=torch.float64, generator=generator)
    with torch.no_grad():
        exact, noisy = reference(x), layer(x)
        layer.generator = torch.Generator().manual_seed(5)
        first = layer(x)
        layer.generator = torch.Generator().manual_seed(5)
        second = layer(x)
    # Shot noise (5 standard errors) plus the device's own errors on a shallow circuit.
    assert ((noisy - exact).abs() < 5 / math.sqrt(shots) + 0.1).all()
    torch.testing.assert_close(first, second)
    assert layer.backend.n_jobs == 3


def test_hybrid_model_trains_on_a_fake_device_with_one_job_per_step(generator):
    torch.manual_seed(0)
    x = torch.rand(8, 2, generator=generator) * 2 - 1
    y = (x[:, 0] > x[:, 1]).long()
    # The cost guard counts a fake device's jobs as the hardware's: 5 steps of 72 circuits need ~120 s.
    backend = FakeBackend("manila", RuntimeOptions(resilience_level=0, max_qpu_seconds=200))
    circuit = circuits.angle_encoding(2, rotation="Y") + circuits.basic_entangler(2, n_layers=1, rotation="Y")
    quantum = QuantumLayer(circuit, backend=backend, shots=1000, generator=generator)
    model = nn.Sequential(nn.Linear(2, 2), quantum, nn.Linear(2, 2))
    optimiser = torch.optim.Adam(model.parameters(), lr=0.1)
    losses = []
    for step in range(5):
        optimiser.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
        assert backend.n_jobs == step + 1  # forward and parameter-shift circuits in one job
    assert quantum.weights.grad is not None and quantum.weights.grad.abs().sum() > 0
    assert losses[-1] < losses[0]


def ibm(tmp_path, options=None, device="ibm_test", **kwargs):
    service = StandInService(tmp_path / "service", **kwargs)
    backend = IBMBackend(device, options, journal=JobJournal(tmp_path / "jobs.sqlite"), api=service.api())
    return service, backend


def test_pub_shapes_one_pub_per_job(tmp_path, generator):
    service, backend = ibm(tmp_path)
    reference, layer = layers(backend, generator, observables=["ZI", "XX", "IY"])
    x = torch.rand(5, 2, dtype=torch.float64, generator=generator)
    with torch.no_grad():
        values = layer(x)
    torch.testing.assert_close(values, reference(x).detach(), atol=1e-6, rtol=0)
    layer(x).sum().backward()
    forward, step = service.submitted
    assert forward["n_pubs"] == step["n_pubs"] == 1
    # 2 input angles and 4 weight angles; the ISA circuit spans the whole device.
    assert forward["parameters_shape"] == (5, 6) and forward["observables_shape"] == (3, 1)
    assert forward["n_qubits"] == 5 and forward["n_parameters"] == 6
    assert step["parameters_shape"] == (5 * (1 + 4 * 2), 6)  # the weight angles, each shifted ±π/2
    assert backend.n_jobs == 2
    (g_ours,) = torch.autograd.grad(reference(x).sum(), reference.weights)
    torch.testing.assert_close(layer.weights.grad, g_ours, atol=1e-6, rtol=0)


def test_options_reach_the_estimator(tmp_path, generator):
    options = RuntimeOptions(shots=300, resilience_level=2, twirling=True, dynamical_decoupling=True)
    service, backend = ibm(tmp_path, options)
    _, layer = layers(backend, generator)
    with torch.no_grad():
        layer(torch.zeros(1, 2, dtype=torch.float64))
        layer.shots = 700
        layer(torch.ones(1, 2, dtype=torch.float64))
    first, second = (s["options"] for s in service.submitted)
    assert first["default_shots"] == 300 and second["default_shots"] == 700
    assert first["resilience_level"] == 2
    assert first["twirling"] == {"enable_gates": True, "enable_measure": True}
    assert first["dynamical_decoupling"] == {"enable": True, "sequence_type": "XY4"}
    assert service.submitted[0]["mode"] is service.device  # job mode: the backend itself


@pytest.mark.parametrize("mode", ["batch", "session"])
def test_batch_and_session_modes_open_once(tmp_path, generator, mode):
    service, backend = ibm(tmp_path, RuntimeOptions(mode=mode))
    _, layer = layers(backend, generator)
    with torch.no_grad():
        layer(torch.zeros(1, 2, dtype=torch.float64))
        layer(torch.ones(1, 2, dtype=torch.float64))
    modes = [s["mode"] for s in service.submitted]
    assert isinstance(modes[0], StandInMode) and modes[0] is modes[1] and modes[0].kind == mode
    backend.close()
    assert [entry for entry in service.log if entry[0] in ("open", "close")] == [("open", mode), ("close", mode)]


def test_least_busy_asks_for_enough_qubits(tmp_path, generator):
    service, backend = ibm(tmp_path, device="least_busy")
    _, layer = layers(backend, generator)
    with torch.no_grad():
        layer(torch.zeros(1, 2, dtype=torch.float64))
    assert service.log[0] == ("least_busy", {"operational": True, "simulator": False, "min_num_qubits": 2})
    assert backend.runner_for(2).executor.name == "ibm:fake_manila"


def test_cost_guard_stops_an_expensive_step(tmp_path, generator):
    service, backend = ibm(tmp_path, RuntimeOptions(shots=4000, max_qpu_seconds=10))
    _, layer = layers(backend, generator)
    with pytest.raises(CostLimitError, match="circuits × 4000 shots"):
        layer(torch.rand(8, 2, dtype=torch.float64, generator=generator)).sum().backward()
    assert not service.submitted


def test_no_credential_in_logs_results_journal_or_saved_model(tmp_path, generator, monkeypatch, caplog, capsys):
    secret = "tok-SECRET-8c1f2e"
    monkeypatch.setenv("QISKIT_IBM_TOKEN", secret)
    caplog.set_level(logging.DEBUG)
    service, backend = ibm(tmp_path)
    assert service._token == secret  # the service holds it, as the real one does
    _, layer = layers(backend, generator)
    out = layer(torch.rand(3, 2, dtype=torch.float64, generator=generator))
    out.sum().backward()
    buffer = io.BytesIO()
    torch.save(layer, buffer)
    captured = capsys.readouterr()
    assert secret not in caplog.text + captured.out + captured.err + repr(out) + repr(layer)
    assert secret.encode() not in buffer.getvalue()
    for path in tmp_path.glob("jobs.sqlite*"):
        assert secret.encode() not in path.read_bytes()
    assert all(secret not in repr(record) for record in JobJournal(tmp_path / "jobs.sqlite").list())
    buffer.seek(0)
    restored = torch.load(buffer, weights_only=False)
    assert restored.backend._runner is None and restored.backend.name == "ibm:ibm_test"
