import io
import math
from functools import partial

import numpy as np
import pennylane as qml
import pytest
import torch
from torch import nn

import circuits
from qnn import Probabilities, QuantumLayer, SimulatorBackend, SimulatorMemoryError


def small_circuit():
    return circuits.angle_encoding(3, rotation="Y") + circuits.strongly_entangling(3, n_layers=2)


def test_issue_example_builds_and_trains(generator):
    circuit = circuits.angle_encoding(4, rotation="X") + circuits.strongly_entangling(4, n_layers=3)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(16, 4), QuantumLayer(circuit, generator=generator), nn.Linear(4, 2))
    x = torch.randn(32, 16, generator=generator)
    y = (x[:, 0] > 0).long()
    optimiser = torch.optim.Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(30):
        optimiser.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    assert losses[-1] < 0.7 * losses[0]


def test_shapes_batched_and_unbatched(generator):
    layer = QuantumLayer(small_circuit(), observables=["ZII", "XXI"], generator=generator)
    x = torch.rand(5, 3, generator=generator)
    batched = layer(x)
    assert batched.shape == (5, 2)
    assert batched.dtype == torch.float32
    torch.testing.assert_close(layer(x[2]), batched[2])
    assert QuantumLayer(small_circuit(), observables="probs")(x).shape == (5, 8)


def test_weights_layout_and_initialisation(generator):
    circuit = small_circuit()
    layer = QuantumLayer(circuit, generator=generator)
    assert [name for name, _ in layer.named_parameters()] == ["weights"]
    assert layer.weights.shape == (circuit.n_weights,)
    assert layer.weights.min() >= 0 and layer.weights.max() < 2 * math.pi
    (block,) = circuit.split_weights(layer.weights)
    assert block.shape == (2, 3, 3)
    same = QuantumLayer(circuit, generator=torch.Generator().manual_seed(1234))
    torch.testing.assert_close(same.weights, layer.weights)
    normal = QuantumLayer(circuit, init=partial(nn.init.normal_, std=1e-3))
    assert normal.weights.abs().max() < 0.01
    ranged = QuantumLayer(circuit, init=(-0.1, 0.1), generator=generator)
    assert ranged.weights.abs().max() <= 0.1


def test_double_precision_follows_the_weights(generator):
    layer = QuantumLayer(small_circuit(), dtype=torch.complex128, generator=generator)
    assert layer.weights.dtype == torch.float64
    assert layer(torch.rand(2, 3, dtype=torch.float64)).dtype == torch.float64
    single = QuantumLayer(small_circuit(), generator=generator).double()
    assert single(torch.rand(2, 3)).dtype == torch.float64


def pennylane_expvals(circuit, x, w, diff_method):
    apply = circuits.to_pennylane(circuit)
    dev = qml.device("default.qubit", wires=circuit.n_qubits)

    @qml.qnode(dev, interface="torch", diff_method=diff_method)
    def node(inputs, weights):
        apply(inputs, weights)
        return [qml.expval(qml.Z(w)) for w in range(circuit.n_qubits)]

    return torch.stack(node(x, w))


def test_gradients_match_pennylane_parameter_shift(generator):
    circuit = circuits.iqp_encoding(3) + circuits.strongly_entangling(3, n_layers=2)
    layer = QuantumLayer(circuit, dtype=torch.complex128, generator=generator)
    x = torch.rand(3, dtype=torch.float64, generator=generator, requires_grad=True)
    ours = layer(x)
    w = layer.weights.detach().clone().requires_grad_(True)
    x_ref = x.detach().clone().requires_grad_(True)
    theirs = pennylane_expvals(circuit, x_ref, w, "parameter-shift")
    torch.testing.assert_close(ours.detach(), theirs.detach(), atol=1e-10, rtol=0)
    for k in range(circuit.n_qubits):
        g_ours = torch.autograd.grad(ours[k], (layer.weights, x), retain_graph=True)
        g_theirs = torch.autograd.grad(theirs[k], (w, x_ref), retain_graph=True)
        for a, b in zip(g_ours, g_theirs, strict=True):
            torch.testing.assert_close(a, b, atol=1e-8, rtol=0)


@pytest.mark.parametrize(
    "circuit",
    [
        circuits.angle_encoding(2) + circuits.strongly_entangling(2, n_layers=2),
        circuits.zz_feature_map(3, reps=1) + circuits.hardware_efficient(3, n_layers=1),
        circuits.reupload(circuits.angle_encoding(2, rotation="Y"), circuits.basic_entangler(2, 1), n_layers=2),
    ],
    ids=["strongly_entangling", "zz_hardware_efficient", "reupload"],
)
def test_gradcheck_weights_and_inputs(circuit, generator):
    layer = QuantumLayer(
        circuit, observables=["Z" * circuit.n_qubits, "X"], dtype=torch.complex128, generator=generator
    )
    x = torch.rand(4, circuit.n_inputs, dtype=torch.float64, generator=generator, requires_grad=True)
    weights = layer.weights.detach().clone().requires_grad_(True)

    def f(inputs, w):
        return layer.backend.run(layer.circuit, layer.observables, inputs, w)

    assert torch.autograd.gradcheck(f, (x, weights))


def test_probabilities_sum_to_one_and_differentiate(generator):
    layer = QuantumLayer(small_circuit(), observables=Probabilities(), dtype=torch.complex128, generator=generator)
    x = torch.rand(4, 3, dtype=torch.float64, generator=generator)
    probs = layer(x)
    torch.testing.assert_close(probs.sum(1), torch.ones(4, dtype=torch.float64))
    (grad,) = torch.autograd.grad(probs[:, 0].sum(), layer.weights)
    assert grad.abs().sum() > 0


def test_shots_are_reproducible_and_within_shot_noise(generator):
    circuit = small_circuit()
    exact_layer = QuantumLayer(circuit, observables=["ZII", "IXI", {"YYI": 0.5, "IIZ": 0.5}], generator=generator)
    x = torch.rand(6, 3, generator=generator)
    exact = exact_layer(x).detach()

    def sampled(seed, shots):
        layer = QuantumLayer(
            circuit, observables=exact_layer.observables, shots=shots, generator=torch.Generator().manual_seed(seed)
        )
        layer.load_state_dict(exact_layer.state_dict())
        return layer(x).detach()

    torch.testing.assert_close(sampled(7, 1000), sampled(7, 1000))
    assert not torch.equal(sampled(7, 1000), sampled(8, 1000))
    shots = 4000
    error = (sampled(7, shots) - exact).abs()
    assert (error < 5 / math.sqrt(shots)).all()  # each term's standard error is at most 1/√shots


def test_sampled_expectations_keep_exact_gradients(generator):
    layer = QuantumLayer(small_circuit(), shots=100, generator=generator)
    exact = QuantumLayer(small_circuit())
    exact.load_state_dict(layer.state_dict())
    x = torch.rand(3, 3, generator=generator)
    (g_shots,) = torch.autograd.grad(layer(x).sum(), layer.weights)
    (g_exact,) = torch.autograd.grad(exact(x).sum(), exact.weights)
    torch.testing.assert_close(g_shots, g_exact)


def test_whole_model_save_and_load(generator, tmp_path):
    model = nn.Sequential(nn.Linear(5, 3), QuantumLayer(small_circuit(), generator=generator), nn.Linear(3, 1))
    x = torch.rand(4, 5, generator=generator)
    path = tmp_path / "model.pt"
    torch.save(model, path)
    loaded = torch.load(path, weights_only=False)
    torch.testing.assert_close(loaded(x), model(x))
    assert loaded[1].circuit == model[1].circuit


def test_state_dict_round_trip(generator):
    layer = QuantumLayer(small_circuit(), generator=generator)
    buffer = io.BytesIO()
    torch.save(layer.state_dict(), buffer)
    buffer.seek(0)
    fresh = QuantumLayer(small_circuit(), generator=torch.Generator().manual_seed(99))
    fresh.load_state_dict(torch.load(buffer))
    x = torch.rand(2, 3, generator=generator)
    torch.testing.assert_close(fresh(x), layer(x))


def test_repr_and_draw():
    layer = QuantumLayer(small_circuit())
    text = repr(layer)
    for part in ("n_qubits=3", "n_inputs=3", "n_weights=18", "backend=simulator"):
        assert part in text
    drawing = layer.draw()
    assert "q_0" in drawing or "q0" in drawing


@pytest.mark.parametrize(
    ("inputs", "error", "message"),
    [
        (torch.rand(2, 4), ValueError, r"shape \(batch, 3\)"),
        (torch.rand(2, 2, 3), ValueError, r"shape \(batch, 3\)"),
        (torch.tensor([[0.1, float("nan"), 0.2]]), ValueError, "NaN or inf"),
        (torch.tensor([[0.1, float("inf"), 0.2]]), ValueError, "NaN or inf"),
        (torch.ones(2, 3, dtype=torch.long), TypeError, "floating-point"),
        (np.ones((2, 3)), TypeError, "torch.Tensor"),
    ],
)
def test_bad_inputs_are_named(inputs, error, message):
    with pytest.raises(error, match=message):
        QuantumLayer(small_circuit())(inputs)


def test_finite_inputs_whose_sum_overflows_are_accepted():
    """The finiteness check sums the inputs first; a sum that overflows must not read as an inf entry."""
    big = torch.tensor([[3e38, 3e38, -1.0]])
    assert torch.isinf(big.sum())
    assert torch.isfinite(QuantumLayer(small_circuit())(big)).all()
    with pytest.raises(ValueError, match="NaN or inf"):
        QuantumLayer(small_circuit())(torch.tensor([[float("inf"), float("-inf"), 0.0]]))  # the sum is NaN


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"observables": ["ZQZ"]}, ValueError, "unknown observable 'ZQZ'"),
        ({"observables": ["ZZZZ"]}, ValueError, "longer than the circuit's 3 qubits"),
        ({"observables": []}, ValueError, "must not be empty"),
        ({"observables": [3]}, TypeError, "an observable must be"),
        ({"shots": 0}, ValueError, "shots must be None or a positive integer"),
        ({"backend": "nonsense"}, ValueError, "unknown backend 'nonsense'"),
        ({"dtype": torch.float32}, TypeError, "dtype must be torch.complex64 or torch.complex128"),
        ({"init": (1.0, 0.0)}, ValueError, "low < high"),
    ],
)
def test_bad_arguments_are_named(kwargs, error, message):
    with pytest.raises(error, match=message):
        QuantumLayer(small_circuit(), **kwargs)


def test_circuit_argument_must_be_a_circuit():
    with pytest.raises(TypeError, match="circuit must be a circuits.Circuit"):
        QuantumLayer("RX")


def test_memory_estimate_refuses_before_allocating():
    circuit = circuits.angle_encoding(12) + circuits.strongly_entangling(12, n_layers=1)
    layer = QuantumLayer(circuit, backend=SimulatorBackend(max_memory=16 * 2**20))
    # 8 MiB per batched state; adjoint gradients keep it and work on slices of the batch (4 MiB each).
    expected = r"12 qubits at batch 256 .*adjoint gradients\) needs about 24.8 MiB, but 16.0 MiB is available"
    with pytest.raises(SimulatorMemoryError, match=expected):
        layer(torch.rand(256, 12))
    with torch.no_grad():
        assert layer(torch.rand(8, 12)).shape == (8, 12)  # a small batch without gradients fits


@pytest.mark.cuda
def test_cuda_layer_follows_module_device(generator):
    layer = QuantumLayer(small_circuit(), dtype=torch.complex128, generator=generator)
    x = torch.rand(4, 3, dtype=torch.float64, generator=generator)
    expected = layer(x)
    on_gpu = layer.to("cuda")
    result = on_gpu(x.cuda())
    assert result.device.type == "cuda"
    torch.testing.assert_close(result.cpu(), expected, atol=1e-10, rtol=0)
    (grad,) = torch.autograd.grad(result.sum(), on_gpu.weights)
    assert grad.device.type == "cuda"


_EVALUATE_THEN_TRAIN = """
import torch, circuits
from qnn import QuantumLayer
from qnn.models.variational import replace_gate
ry = tuple(circuits.Operation("RY", (w,), (circuits.Weight(w),)) for w in range(3))
rotations = circuits.Circuit(3, ry, 0, ((3,),))
models = {
    "product": circuits.angle_encoding(3) + rotations,
    "dense": circuits.angle_encoding(3) + circuits.strongly_entangling(3, 2),
    "adjoint": circuits.iqp_encoding(8, n_repeats=2) + replace_gate(circuits.strongly_entangling(8, 2), "CNOT", "CZ"),
}
for name, circuit in models.items():
    layer = QuantumLayer(circuit, generator=torch.Generator().manual_seed(0))
    x = torch.rand(4, circuit.n_inputs, generator=torch.Generator().manual_seed(1))
    with torch.inference_mode():
        evaluated = layer(x)
    trained = layer(x)
    trained.sum().backward()
    assert torch.allclose(evaluated, trained.detach()), name
    assert layer.weights.grad is not None and layer.weights.grad.abs().sum() > 0, name
print("ok")
"""


def test_a_layer_evaluated_in_inference_mode_first_trains_after(tmp_path):
    # In a fresh process, so that nothing an earlier test cached is reused: what a first call keeps for later
    # calls (index tensors, constants, buffers) must not be inference tensors, or training fails after it.
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _EVALUATE_THEN_TRAIN], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"
