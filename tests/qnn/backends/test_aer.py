import math
import pickle

import pytest
import torch
from hypothesis import given, settings

import circuits
from qnn import QuantumLayer
from qnn.backends import AerBackend, SimulatorBackend
from qnn.hardware import slots
from qnn.observables import parse_observables
from tests.strategies import circuit_with_values

OBSERVABLES = ["ZII", {"XXI": 0.5, "IYZ": -1.0}, "IIX"]


def pair(circuit, backend, generator, observables=OBSERVABLES, shots=None):
    reference = QuantumLayer(circuit, observables, dtype=torch.complex128, generator=generator)
    layer = QuantumLayer(
        circuit, observables, backend=backend, dtype=torch.complex128, shots=shots, generator=generator
    )
    layer.load_state_dict(reference.state_dict())
    return reference, layer


@settings(max_examples=10, deadline=None, derandomize=True)
@given(circuit_with_values(max_qubits=3, max_ops=8, allow_state_prep=False))
def test_exact_aer_agrees_with_the_simulator_on_random_circuits(case):
    circuit, x, w = case
    observables = parse_observables(["Z" * circuit.n_qubits, "X"], circuit.n_qubits)
    x = torch.as_tensor(x).requires_grad_(True)
    w = torch.as_tensor(w).requires_grad_(True)
    ours = SimulatorBackend().run(circuit, observables, x, w)
    theirs = AerBackend().run(circuit, observables, x, w)
    torch.testing.assert_close(theirs, ours, atol=1e-6, rtol=0)
    if slots(circuit):  # some gate reads an input or a weight
        g_ours = torch.autograd.grad(ours.sum(), (x, w), allow_unused=True, materialize_grads=True)
        g_theirs = torch.autograd.grad(theirs.sum(), (x, w), allow_unused=True, materialize_grads=True)
        for a, b in zip(g_theirs, g_ours, strict=True):
            torch.testing.assert_close(a, b, atol=1e-6, rtol=0)


def test_probabilities(generator):
    circuit = circuits.angle_encoding(2, rotation="Y") + circuits.basic_entangler(2, 1)
    reference, layer = pair(circuit, AerBackend(), generator, observables="probs")
    x = torch.rand(3, 2, dtype=torch.float64, generator=generator)
    torch.testing.assert_close(layer(x), reference(x), atol=1e-6, rtol=0)


def test_shots_within_five_standard_errors_and_reproducible(generator):
    circuit = circuits.angle_encoding(3) + circuits.strongly_entangling(3, n_layers=1)
    shots = 2000
    reference, layer = pair(circuit, AerBackend(shots=shots), generator)
    x = torch.rand(4, 3, dtype=torch.float64, generator=generator)
    with torch.no_grad():
        error = (layer(x) - reference(x)).abs()
    assert (error < 5 / math.sqrt(shots)).all() and error.max() > 0

    def sampled(seed):
        layer.generator = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            return layer(x)

    torch.testing.assert_close(sampled(3), sampled(3))
    assert not torch.equal(sampled(3), sampled(4))


def test_noise_model_of_a_device_damps_the_signal(generator):
    circuit = circuits.angle_encoding(2) + circuits.basic_entangler(2, 1)
    reference, noisy = pair(circuit, AerBackend(noise_model_from="manila"), generator, observables=["ZI", "IZ"])
    x = torch.full((2, 2), 0.1, dtype=torch.float64)
    with torch.no_grad():
        ours, theirs = reference(x), noisy(x)
    assert noisy.backend.name == "aer+noise:manila"
    assert ((theirs - ours).abs() > 1e-4).any()  # noise changes the values
    assert ((theirs - ours).abs() < 0.1).all()  # but a shallow circuit stays close


def test_one_job_per_forward_and_backward_pass(generator):
    circuit = circuits.angle_encoding(2) + circuits.strongly_entangling(2, n_layers=1)
    backend = AerBackend()
    _, layer = pair(circuit, backend, generator, observables=None)
    layer(torch.rand(5, 2, dtype=torch.float64, generator=generator)).sum().backward()
    assert backend.n_jobs == 1  # the shifted circuits travel with the forward pass
    with torch.no_grad():
        layer(torch.rand(5, 2, dtype=torch.float64, generator=generator))
    assert backend.n_jobs == 2


def test_too_wide_for_the_noisy_device():
    layer = QuantumLayer(circuits.angle_encoding(6), backend=AerBackend(noise_model_from="manila"))
    with pytest.raises(ValueError, match="6 qubits but aer\\+noise:manila has 5"):
        layer(torch.zeros(1, 6))


def test_layer_with_aer_backend_pickles(generator, tmp_path):
    circuit = circuits.angle_encoding(2) + circuits.basic_entangler(2, 1)
    _, layer = pair(circuit, AerBackend(), generator, observables=None)
    x = torch.rand(2, 2, dtype=torch.float64, generator=generator)
    before = layer(x).detach()
    restored = pickle.loads(pickle.dumps(layer))
    torch.testing.assert_close(restored(x), before)
