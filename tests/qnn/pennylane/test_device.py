"""qnn.simulator agrees with default.qubit in PennyLane: broadcasting, TorchLayer, backprop, precision, errors."""

import numpy as np
import pennylane as qml
import pytest
import torch

import circuits
from qnn.pennylane import QnnSimulator


def both(n_wires: int, qfunc, diff_method="best", **kwargs):
    """The QNode of `qfunc` on qnn.simulator and on default.qubit."""
    return [
        qml.QNode(qfunc, qml.device(name, wires=n_wires, **kwargs), interface="torch", diff_method=diff_method)
        for name in ("qnn.simulator", "default.qubit")
    ]


def test_the_entry_point_gives_the_device():
    dev = qml.device("qnn.simulator", wires=3)
    assert isinstance(dev, QnnSimulator) and len(dev.wires) == 3


def test_broadcast_circuit_values_and_backprop_gradients_match_default_qubit(generator):
    circuit = circuits.iqp_encoding(4) + circuits.strongly_entangling(4, n_layers=2)
    apply = circuits.to_pennylane(circuit)

    def qfunc(x, w):
        apply(x, w)
        qml.GlobalPhase(0.4)
        qml.Toffoli(wires=[0, 1, 2])  # decomposed by PennyLane
        return [qml.expval(qml.Z(0) @ qml.X(2)), qml.var(qml.Y(1)), qml.probs(wires=[3, 1])]

    x = torch.rand(5, 4, dtype=torch.float64, generator=generator, requires_grad=True)
    w = torch.rand(circuit.n_weights, dtype=torch.float64, generator=generator, requires_grad=True)
    results = []
    for node in both(4, qfunc, "backprop"):
        outputs = torch.cat([o.reshape(5, -1) for o in node(x, w)], dim=1)
        results.append([outputs, *torch.autograd.grad(outputs.sum(), [x, w])])
    for ours, theirs in zip(*results, strict=True):
        torch.testing.assert_close(ours, theirs, atol=1e-10, rtol=0)


def test_state_and_complex_state_prep_match_default_qubit(rng):
    amplitudes = rng.normal(size=8) + 1j * rng.normal(size=8)
    amplitudes /= np.linalg.norm(amplitudes)

    def qfunc():
        qml.StatePrep(amplitudes, wires=[0, 1, 2])
        qml.CRY(0.3, wires=[2, 0])
        return qml.state()

    ours, theirs = (node() for node in both(3, qfunc))
    np.testing.assert_allclose(ours, theirs, atol=1e-12)


def test_torch_layer_trains_on_qnn_simulator(generator):
    circuit = circuits.angle_encoding(3) + circuits.basic_entangler(3, n_layers=2)
    apply = circuits.to_pennylane(circuit)

    @qml.qnode(qml.device("qnn.simulator", wires=3), interface="torch")
    def node(inputs, weights):
        apply(inputs, weights)
        return [qml.expval(qml.Z(w)) for w in range(3)]

    layer = qml.qnn.TorchLayer(node, {"weights": (circuit.n_weights,)})
    x = torch.rand(8, 3, generator=generator, dtype=torch.float64)
    target = torch.ones(8, 3, dtype=torch.float64) * 0.5
    optimiser = torch.optim.Adam(layer.parameters(), lr=0.1)
    losses = []
    for _ in range(20):
        optimiser.zero_grad()
        loss = ((layer(x) - target) ** 2).mean()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


def test_complex64_simulates_in_single_precision():
    def qfunc(x):
        qml.RX(x, wires=0)
        qml.CNOT(wires=[0, 1])
        return qml.state()

    x = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    states = [
        qml.QNode(qfunc, qml.device("qnn.simulator", wires=2, c_dtype=dtype), interface="torch")(x)
        for dtype in (torch.complex64, torch.complex128)
    ]
    assert [s.dtype for s in states] == [torch.complex64, torch.complex128]
    torch.testing.assert_close(states[0].to(torch.complex128), states[1], atol=1e-6, rtol=0)


def test_adjoint_products_match_default_qubit(generator):
    circuit = circuits.zz_feature_map(3, reps=1) + circuits.hardware_efficient(3, n_layers=2)
    apply = circuits.to_pennylane(circuit)

    def qfunc(x, w):
        apply(x, w)
        qml.GlobalPhase(0.3)
        qml.Toffoli(wires=[0, 1, 2])
        return qml.expval(qml.Z(0) @ qml.X(2) + 0.5 * qml.Y(1)), qml.probs(wires=[2, 0])

    x = torch.rand(3, dtype=torch.float64, generator=generator, requires_grad=True)
    w = torch.rand(circuit.n_weights, dtype=torch.float64, generator=generator, requires_grad=True)
    results = []
    for name, diff_method in (("qnn.simulator", "adjoint"), ("default.qubit", "backprop")):
        expval, probs = qml.QNode(qfunc, qml.device(name, wires=3), interface="torch", diff_method=diff_method)(x, w)
        loss = 2 * expval + (probs * torch.arange(4.0, dtype=torch.float64)).sum()
        results.append([expval, probs, *torch.autograd.grad(loss, [x, w])])
    for ours, theirs in zip(*results, strict=True):
        torch.testing.assert_close(ours, theirs, atol=1e-10, rtol=0)


def test_gradient_methods_it_lacks_are_refused_and_bad_options_named():
    def qfunc(x):
        qml.RX(x, wires=0)
        return qml.var(qml.Z(0))

    node = qml.QNode(qfunc, qml.device("qnn.simulator", wires=1), diff_method="adjoint")
    with pytest.raises(qml.exceptions.QuantumFunctionError, match="does not support adjoint"):
        node(torch.tensor(0.1, requires_grad=True))
    with pytest.raises(ValueError, match="c_dtype must be torch.complex64 or torch.complex128"):
        qml.device("qnn.simulator", wires=1, c_dtype="float")


@pytest.mark.cuda
def test_runs_on_cuda():
    def qfunc(x):
        qml.RY(x, wires=0)
        return qml.expval(qml.Z(0))

    dev = qml.device("qnn.simulator", wires=1, torch_device="cuda")
    x = torch.tensor([0.1, 0.2], dtype=torch.float64, device="cuda", requires_grad=True)
    out = qml.QNode(qfunc, dev, interface="torch", diff_method="backprop")(x)
    torch.testing.assert_close(out, torch.cos(x), atol=1e-10, rtol=0)
