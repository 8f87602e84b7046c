"""The hand-written backward of per-sample layers against autograd, finite differences and the adjoint engine."""

import pytest
import torch

import circuits
from circuits.circuit import Circuit, Input, Operation, Weight
from qnn import QuantumLayer
from qnn.backends import SimulatorBackend
from qnn.models.reuploading import reuploading_circuit
from qnn.simulator.sweep import LayerEntanglers, sweep_layers


def unitaries(shape, generator):
    z = torch.randn(*shape, dtype=torch.complex128, generator=generator)
    return torch.linalg.qr(z)[0]


def entanglers(n_layers, d, generator, permute=True, phase=True):
    permutations = torch.stack([torch.randperm(d, generator=generator) for _ in range(n_layers)]) if permute else None
    angles = torch.rand(n_layers, d, dtype=torch.float64, generator=generator)
    return LayerEntanglers(permutations, torch.polar(torch.ones_like(angles), angles) if phase else None)


def autograd_sweep(state, upper, lower, layer_entanglers):
    """The same layers recorded op by op: the reference for the hand-written backward."""
    rows, high, low = state.shape[0], upper.shape[-1], lower.shape[-1]
    for k in range(upper.shape[0]):
        matrix = upper[k] @ state.reshape(rows, high, low) @ lower[k].transpose(-1, -2)
        state = matrix.reshape(rows, high * low)
        if layer_entanglers.permutations is not None:  # new[i] = phases[k, i] · old[permutations[k, i]]
            state = state[:, layer_entanglers.permutations[k]]
        if layer_entanglers.phases is not None:
            state = state * layer_entanglers.phases[k]
    return state


SHAPES = [
    (2, 2, True, True),
    (4, 2, False, True),
    (2, 4, True, False),
    (2, 2, False, False),
]  # (2^h, 2^l, permute, phases)


@pytest.mark.parametrize(("high", "low", "permute", "phase"), SHAPES)
def test_values_and_gradients_match_autograd(high, low, permute, phase, generator):
    n_layers, rows = 3, 2
    upper = unitaries((n_layers, rows, high, high), generator).requires_grad_()
    lower = unitaries((n_layers, rows, low, low), generator).requires_grad_()
    state = torch.randn(rows, high * low, dtype=torch.complex128, generator=generator).requires_grad_()
    layer_entanglers = entanglers(n_layers, high * low, generator, permute, phase)
    weights = torch.rand(high * low, dtype=torch.float64, generator=generator)

    def loss(fn):
        out = fn(state, upper, lower, layer_entanglers)
        return out, torch.autograd.grad((out.abs().square() * weights).sum(), (state, upper, lower))

    ours, grads = loss(sweep_layers)
    reference, reference_grads = loss(autograd_sweep)
    torch.testing.assert_close(ours, reference, atol=1e-12, rtol=0)
    for g, r in zip(grads, reference_grads, strict=True):
        torch.testing.assert_close(g, r, atol=1e-12, rtol=0)


def test_gradients_match_finite_differences(generator):
    upper = unitaries((2, 1, 2, 2), generator).requires_grad_()
    lower = unitaries((2, 1, 4, 4), generator).requires_grad_()
    state = torch.randn(1, 8, dtype=torch.complex128, generator=generator).requires_grad_()
    layer_entanglers = entanglers(2, 8, generator)
    assert torch.autograd.gradcheck(lambda s, u, v: sweep_layers(s, u, v, layer_entanglers), (state, upper, lower))


def with_cnots(n_qubits, n_layers):
    """Re-uploading with a CNOT chain as entanglers: the sweep's permutations, not only phases."""
    ops = []
    for layer in range(n_layers):
        for wire in range(n_qubits):
            ops.append(Operation("RY", (wire,), (Input(wire),)))
            ops.append(Operation("RZ", (wire,), (Weight(layer * n_qubits + wire),)))
        ops += [Operation("CNOT", (w, w + 1)) for w in range(n_qubits - 1)]
    return Circuit.of(n_qubits, ops, n_inputs=n_qubits, weight_shapes=[(n_layers * n_qubits,)])


CIRCUITS = {
    "reuploading": lambda: reuploading_circuit(3, 3),
    "cnots": lambda: with_cnots(4, 3),
    "amplitude then reuploading": lambda: circuits.amplitude_encoding(3) + reuploading_circuit(3, 2),
}


@pytest.mark.parametrize("name", CIRCUITS)
def test_the_dense_path_matches_the_adjoint_engine(name, generator):
    circuit = CIRCUITS[name]()
    fast = QuantumLayer(circuit, ["Z" + "I" * (circuit.n_qubits - 1)], dtype=torch.complex128, generator=generator)
    slow = QuantumLayer(
        circuit, ["Z" + "I" * (circuit.n_qubits - 1)], backend=SimulatorBackend(dense_max_qubits=0),
        dtype=torch.complex128,
    )  # fmt: skip
    slow.load_state_dict(fast.state_dict())
    x = torch.rand(4, circuit.n_inputs, dtype=torch.float64, generator=generator, requires_grad=True)
    a, b = fast(x), slow(x)
    assert "_SweepBackward" in names_in_graph(a)  # the path under test was taken
    torch.testing.assert_close(a, b, atol=1e-10, rtol=0)
    grads_a = torch.autograd.grad(a.square().sum(), (x, fast.weights))
    grads_b = torch.autograd.grad(b.square().sum(), (x, slow.weights))
    for ga, gb in zip(grads_a, grads_b, strict=True):
        torch.testing.assert_close(ga, gb, atol=1e-10, rtol=0)


def names_in_graph(tensor) -> set[str]:
    seen, names, stack = set(), set(), [tensor.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        names.add(type(node).__name__)
        stack.extend(next_node for next_node, _ in node.next_functions)
    return names
