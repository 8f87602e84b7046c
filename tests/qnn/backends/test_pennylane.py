import math

import pytest
import torch

import circuits
from qnn import QuantumLayer
from qnn.backends import PennyLaneBackend

OBSERVABLES = ["ZII", {"XXI": 0.5, "IYZ": -1.0}, "IIX"]


def pair(circuit, backend, generator, observables=OBSERVABLES, shots=None):
    reference = QuantumLayer(circuit, observables, dtype=torch.complex128, generator=generator)
    layer = QuantumLayer(
        circuit, observables, backend=backend, dtype=torch.complex128, shots=shots, generator=generator
    )
    layer.load_state_dict(reference.state_dict())
    return reference, layer


@pytest.mark.parametrize(
    "circuit",
    [
        circuits.angle_encoding(3) + circuits.strongly_entangling(3, n_layers=2),
        circuits.iqp_encoding(3) + circuits.hardware_efficient(3, n_layers=1),
        circuits.amplitude_encoding(3, n_features=5) + circuits.basic_entangler(3, 1),
        circuits.strongly_entangling(3, n_layers=1),
    ],
    ids=["angle_strong", "iqp_hea", "amplitude", "no_inputs"],
)
def test_agrees_with_the_simulator_values_and_gradients(circuit, generator):
    reference, layer = pair(circuit, PennyLaneBackend("default.qubit"), generator)
    x = torch.rand(4, circuit.n_inputs, dtype=torch.float64, generator=generator)
    ours, theirs = reference(x), layer(x)
    torch.testing.assert_close(theirs, ours, atol=1e-6, rtol=0)
    seed = torch.rand(ours.shape, dtype=torch.float64, generator=generator)
    (g_ours,) = torch.autograd.grad((ours * seed).sum(), reference.weights)
    (g_theirs,) = torch.autograd.grad((theirs * seed).sum(), layer.weights)
    torch.testing.assert_close(g_theirs, g_ours, atol=1e-6, rtol=0)


def test_probabilities_and_a_single_sample(generator):
    circuit = circuits.angle_encoding(2, rotation="Y") + circuits.basic_entangler(2, 1)
    reference, layer = pair(circuit, PennyLaneBackend("default.qubit"), generator, observables="probs")
    x = torch.rand(2, dtype=torch.float64, generator=generator)
    torch.testing.assert_close(layer(x), reference(x), atol=1e-6, rtol=0)
    assert layer(x).shape == (4,)


def test_shots_are_within_five_standard_errors(generator):
    circuit = circuits.angle_encoding(3) + circuits.strongly_entangling(3, n_layers=1)
    shots = 4000
    reference, layer = pair(circuit, PennyLaneBackend("default.qubit"), generator, shots=shots)
    x = torch.rand(3, 3, dtype=torch.float64, generator=generator)
    error = (layer(x) - reference(x)).abs().detach()
    # Each observable's terms have |coefficients| summing to at most 1.5, each of standard error ≤ 1/√shots.
    assert (error < 5 * 1.5 / math.sqrt(shots)).all()
    assert error.max() > 0


def test_mixed_state_device_with_a_noise_model(generator):
    import pennylane as qml

    circuit = circuits.angle_encoding(2) + circuits.basic_entangler(2, 1)
    noise = qml.NoiseModel({qml.noise.op_eq(qml.RX): qml.noise.partial_wires(qml.DepolarizingChannel, 0.1)})
    reference, noiseless = pair(circuit, PennyLaneBackend("default.mixed"), generator, observables=["ZI"])
    _, noisy = pair(circuit, PennyLaneBackend("default.mixed", noise_model=noise), generator, observables=["ZI"])
    noisy.load_state_dict(reference.state_dict())
    x = torch.rand(3, 2, dtype=torch.float64, generator=generator)
    torch.testing.assert_close(noiseless(x), reference(x), atol=1e-6, rtol=0)
    # Depolarising shrinks every ⟨Z⟩ towards zero.
    assert (noisy(x).abs() < reference(x).abs() - 1e-3).all()
