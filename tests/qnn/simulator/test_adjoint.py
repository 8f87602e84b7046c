"""Gradients of every simulator path (adjoint and backprop, each fusion setting) against independent ones:
PennyLane's parameter-shift rule, finite differences (`gradcheck`) and plain autograd on the unfused simulator."""

import pennylane as qml
import pytest
import torch
from hypothesis import given, settings

import circuits
from qnn.backends import SimulatorBackend
from qnn.observables import Probabilities, parse_observables
from qnn.simulator import adjoint, checkpoints, compile_circuit, engine, kernels, memory
from qnn.simulator.fusion import make_plan
from qnn.simulator.heisenberg import fold_final_permutation
from qnn.simulator.settings import SimulatorSettings
from tests.qnn.simulator.test_agreement import PATHS
from tests.strategies import circuit_with_values

DEFAULTS = SimulatorSettings()

CIRCUITS = {
    "angle_strongly_entangling": lambda: circuits.angle_encoding(3) + circuits.strongly_entangling(3, n_layers=2),
    "iqp_strongly_entangling": lambda: circuits.iqp_encoding(3) + circuits.strongly_entangling(3, n_layers=2),
    "zz_hardware_efficient": lambda: circuits.zz_feature_map(3, reps=1) + circuits.hardware_efficient(3, n_layers=1),
    "reupload": lambda: circuits.reupload(
        circuits.angle_encoding(2, rotation="Y"), circuits.basic_entangler(2, 1), n_layers=2
    ),
    "tree_tensor": lambda: circuits.angle_encoding(4) + circuits.tree_tensor(4),
    # The product state then depends on the weights only: its gradient is summed over the batch.
    "weights_first": lambda: circuits.strongly_entangling(3, n_layers=1) + circuits.angle_encoding(3),
}
OBSERVABLES = {"z_each": None, "mixed": ["ZZZ", {"XI": 0.5, "IY": -1.0}], "probs": "probs"}


def run(circuit, observables, x, w, **options):
    backend = SimulatorBackend(**options)
    return backend.run(circuit, parse_observables(observables, circuit.n_qubits), x, w)


def values(circuit, generator, batch=3):
    x = torch.rand(batch, circuit.n_inputs, dtype=torch.float64, generator=generator) * 3
    w = torch.rand(circuit.n_weights, dtype=torch.float64, generator=generator) * 6
    return x.requires_grad_(True), w.requires_grad_(True)


def pennylane_jacobians(circuit, x, w):
    """d⟨Z_k⟩/d(x, w) for one sample by PennyLane's parameter-shift rule."""
    apply = circuits.to_pennylane(circuit)

    @qml.qnode(qml.device("default.qubit", wires=circuit.n_qubits), interface="torch", diff_method="parameter-shift")
    def node(inputs, weights):
        apply(inputs, weights)
        return [qml.expval(qml.Z(k)) for k in range(circuit.n_qubits)]

    x = x.detach().clone().requires_grad_(True)
    w = w.detach().clone().requires_grad_(True)
    outputs = node(x, w)
    return torch.stack(outputs), [torch.autograd.grad(out, (x, w), retain_graph=True) for out in outputs]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("name", CIRCUITS)
def test_adjoint_gradients_match_pennylane_parameter_shift(name, path, generator):
    circuit = CIRCUITS[name]()
    fuse, product_state = PATHS[path]
    x, w = values(circuit, generator, batch=1)
    ours = run(circuit, None, x, w, method="adjoint", fuse=fuse, product_state=product_state)[0]
    expected, jacobians = pennylane_jacobians(circuit, x[0], w)
    torch.testing.assert_close(ours, expected, atol=1e-10, rtol=0)
    for k, (gx, gw) in enumerate(jacobians):
        ours_x, ours_w = torch.autograd.grad(ours[k], (x, w), retain_graph=True)
        torch.testing.assert_close(ours_x[0], gx, atol=1e-9, rtol=0)
        torch.testing.assert_close(ours_w, gw, atol=1e-9, rtol=0)


@pytest.mark.parametrize("method", ["adjoint", "backprop"])
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("observables", OBSERVABLES)
def test_every_path_matches_plain_autograd_in_both_precisions(observables, path, method, generator):
    circuit = CIRCUITS["iqp_strongly_entangling"]()
    fuse, product_state = PATHS[path]
    for real, tol in ((torch.float64, 1e-10), (torch.float32, 1e-5)):
        x, w = values(circuit, generator)
        x, w = x.detach().to(real).requires_grad_(True), w.detach().to(real).requires_grad_(True)
        reference = run(circuit, OBSERVABLES[observables], x, w, method="backprop", fuse=0, product_state=False)
        ours = run(circuit, OBSERVABLES[observables], x, w, method=method, fuse=fuse, product_state=product_state)
        torch.testing.assert_close(ours, reference, atol=tol, rtol=0)
        cotangent = torch.randn(reference.shape, dtype=real, generator=generator)
        expected = torch.autograd.grad(reference, (x, w), cotangent)
        got = torch.autograd.grad(ours, (x, w), cotangent)
        for a, b in zip(got, expected, strict=True):
            torch.testing.assert_close(a, b, atol=tol * 10, rtol=tol)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 9])
@pytest.mark.parametrize("per_sample", [False, True], ids=["shared", "per-sample"])
def test_product_state_factor_gradient_matches_autograd(n, per_sample, generator):
    """`_factor_gradient` against autograd of 2 Re Σ μ ψ0, ψ0 the product state of the factors: every
    wire of both halves, with 1 to 5 wires per half (and a zero factor: its gradient needs no division)."""
    batch = 6
    shape = (batch, n, 2) if per_sample else (n, 2)
    factors = torch.randn(*shape, dtype=torch.complex128, generator=generator)
    factors[..., n // 2, 0] = 0
    bra = torch.randn(batch, 2**n, dtype=torch.complex128, generator=generator)
    leaf = factors.clone().requires_grad_(True)
    state = leaf.expand(batch, n, 2)[:, 0]
    for w in range(1, n):  # wire 0 the most significant
        state = (state[:, :, None] * leaf.expand(batch, n, 2)[:, w, None, :]).reshape(batch, -1)
    (2 * (bra * state).sum().real).backward()
    torch.testing.assert_close(adjoint._factor_gradient(bra, factors, DEFAULTS), leaf.grad, atol=1e-10, rtol=1e-10)


@settings(max_examples=40, deadline=None)
@given(circuit_with_values(max_qubits=5, allow_state_prep=False))
def test_adjoint_matches_plain_autograd_on_random_circuits(case):
    """Every gate and parameter source, with fusion and the product state: values, input and weight gradients."""
    circuit, x, w = case
    x = torch.tensor(x, requires_grad=True)
    w = torch.tensor(w, requires_grad=True)
    observables = ["Z" * circuit.n_qubits, {"X" + "I" * (circuit.n_qubits - 1): 0.5}]
    reference = run(circuit, observables, x, w, method="backprop", fuse=0, product_state=False)
    ours = run(circuit, observables, x, w, method="adjoint", fuse=3, product_state=True)
    torch.testing.assert_close(ours, reference, atol=1e-10, rtol=0)
    if not reference.requires_grad:  # no gate reads an input or a weight
        return
    cotangent = torch.linspace(-1, 2, reference.numel(), dtype=torch.float64).reshape(reference.shape)
    expected = torch.autograd.grad(reference, (x, w), cotangent, allow_unused=True, materialize_grads=True)
    got = torch.autograd.grad(ours, (x, w), cotangent, allow_unused=True, materialize_grads=True)
    for a, b in zip(got, expected, strict=True):
        torch.testing.assert_close(a, b, atol=1e-9, rtol=1e-9)


def mixed_observables(n: int) -> list:
    return ["Z" * n, {"X" + "I" * (n - 1): 0.5, "I" * (n - 1) + "Y": -1.0}]


def assert_adjoint_matches_backprop(circuit, x, w, generator, tuning=DEFAULTS):
    """Adjoint values and input/weight gradients (with `tuning`) against plain autograd on the unfused
    simulator; the reference."""
    observables = mixed_observables(circuit.n_qubits)
    reference = run(circuit, observables, x, w, method="backprop", fuse=0, product_state=False)
    ours = run(circuit, observables, x, w, method="adjoint", settings=tuning)
    torch.testing.assert_close(ours, reference, atol=1e-10, rtol=0)
    cotangent = torch.randn(reference.shape, dtype=torch.float64, generator=generator)
    expected = torch.autograd.grad(reference, (x, w), cotangent)
    for a, b in zip(torch.autograd.grad(ours, (x, w), cotangent), expected, strict=True):
        torch.testing.assert_close(a, b, atol=1e-9, rtol=1e-9)
    return reference


def test_constant_phases_between_trained_layers_are_undone_by_their_conjugate(generator):
    """S, T and a ring of CZs (a constant phase run with complex phases, on all 6 wires) between trained layers.
    Without copies of the state (the default memory target, no floor), the state is rewound past the second
    run with its conjugate, which is made once; a CZ-only run, real, could not tell it from the run itself."""
    n = 6
    gates = [("S", (0,)), ("T", (3,)), *[("CZ", (i, (i + 1) % n)) for i in range(n)], ("T", (5,))]
    phases = circuits.Circuit.of(n, [circuits.Operation(gate, wires) for gate, wires in gates])
    layer = circuits.strongly_entangling(n, 1)
    circuit = circuits.angle_encoding(n) + layer + phases + layer + phases + layer
    x, w = values(circuit, generator, batch=2)
    for _ in range(2):  # the second call reads the conjugate made by the first
        assert_adjoint_matches_backprop(circuit, x, w, generator, SimulatorSettings(step_floor_bytes=0))


@pytest.mark.parametrize("rows", [1, 2])
@pytest.mark.parametrize("name", ["reupload", "iqp_strongly_entangling", "weights_first"])
def test_slices_of_the_batch_give_the_whole_batch_gradients(name, rows, generator):
    """The batch runs in slices of `rows` samples (forced small here): per-sample matrices, factors and
    shared ones must all be sliced or shared correctly, and the slices' gradients add up."""
    circuit = CIRCUITS[name]()
    x, w = values(circuit, generator, batch=5)
    one_sample = 2**circuit.n_qubits * 16  # complex128
    tuning = SimulatorSettings(slice_bytes=rows * one_sample)
    assert engine.batch_slices(circuit.n_qubits, 5, torch.complex128, torch.device("cpu"), tuning)[0] == slice(0, rows)
    reference = assert_adjoint_matches_backprop(circuit, x, w, generator, tuning)
    # With shots, the slices' final states are put back together in order for sampling; without
    # gradients the forward pass runs in the same slices.
    parsed = parse_observables(mixed_observables(circuit.n_qubits), circuit.n_qubits)

    def sample(method):
        backend = SimulatorBackend(method=method, settings=tuning)
        return backend.run(circuit, parsed, x, w, shots=100, generator=torch.Generator().manual_seed(1))

    sampled = [sample("adjoint"), sample("backprop")]
    with torch.no_grad():
        sampled.append(sample("auto"))
        sliced = SimulatorBackend(settings=tuning).run(circuit, parsed, x, w)
        torch.testing.assert_close(sliced, reference, atol=1e-10, rtol=0)
    for other in sampled[1:]:
        torch.testing.assert_close(sampled[0], other, atol=1e-10, rtol=0)


@pytest.mark.parametrize("name", ["reupload", "iqp_strongly_entangling", "weights_first"])
def test_states_rewound_in_place_a_few_rows_at_a_time(name, generator):
    """Large slices (on a GPU) are rewound in place, a few rows at a time, instead of into a spare state."""
    circuit = CIRCUITS[name]()
    x, w = values(circuit, generator, batch=5)
    every_state_large = SimulatorSettings(chunk_above_bytes=1)  # one row at a time
    assert adjoint._row_slices(torch.zeros(5, 2), every_state_large) == [slice(i, i + 1) for i in range(5)]
    assert_adjoint_matches_backprop(circuit, x, w, generator, every_state_large)


def test_forward_slices_of_amplitude_encoded_inputs(generator):
    circuit = circuits.amplitude_encoding(3, n_features=6) + circuits.strongly_entangling(3, n_layers=1)
    x, w = values(circuit, generator, batch=5)
    with torch.no_grad():
        sliced = run(circuit, None, x, w, settings=SimulatorSettings(slice_bytes=2 * 2**3 * 16))  # two samples a slice
    reference = run(circuit, None, x, w, method="backprop")
    torch.testing.assert_close(sliced, reference, atol=1e-10, rtol=0)


@pytest.mark.parametrize("path", ["plain", "fuse2_product", "fuse4_product"])
@pytest.mark.parametrize("name", CIRCUITS)
def test_adjoint_passes_gradcheck(name, path, generator):
    circuit = CIRCUITS[name]()
    fuse, product_state = PATHS[path]
    x, w = values(circuit, generator)

    def f(inputs, weights):
        return run(circuit, ["Z" * circuit.n_qubits, "X"], inputs, weights, method="adjoint", fuse=fuse,
                   product_state=product_state)  # fmt: skip

    assert torch.autograd.gradcheck(f, (x, w))


def test_second_backward_through_the_same_graph_gives_the_same_gradients(generator):
    circuit = CIRCUITS["reupload"]()
    x, w = values(circuit, generator)
    out = run(circuit, None, x, w, method="adjoint")
    first = torch.autograd.grad(out.sum(), (x, w), retain_graph=True)
    second = torch.autograd.grad(out.sum(), (x, w))
    for a, b in zip(first, second, strict=True):
        assert torch.equal(a, b)


def layered(n=6, layers=4):
    """Three layers of two blocks after the product state (n = 6): runs of commuting blocks to rewind past."""
    return circuits.angle_encoding(n) + circuits.strongly_entangling(n, n_layers=layers)


def run_plan_of(circuit, observables):
    """The plan the simulator backend runs for `circuit` and `observables` (a final permutation folded)."""
    plan = make_plan(compile_circuit(circuit))
    return fold_final_permutation(plan, parse_observables(observables, circuit.n_qubits))[0]


def count_block_products(monkeypatch) -> list[int]:
    """A list that grows by one for each block applied to a state from now on."""
    calls, apply_block = [], kernels.apply_block
    monkeypatch.setattr(kernels, "apply_block", lambda *a, **k: calls.append(1) or apply_block(*a, **k))
    return calls


@pytest.mark.parametrize(
    ("step_states", "copies", "rewound"),
    [(DEFAULTS.step_states, None, 4), (1000, None, 0), (1000, 1, 2 + 4)],
    ids=["no copies", "copies", "a copy in one slice of two"],
)
def test_the_state_is_rewound_only_where_no_copy_was_kept_and_an_earlier_operation_needs_it(
    step_states, copies, rewound, generator, monkeypatch
):
    """Layers of two blocks: the adjoint state is rewound past all 6 blocks, the state past the last two
    layers only (the first layer's blocks take their overlaps after it), or past none where the forward
    pass kept copies of it (allowed here by a memory target raised far above its 3 states). With a
    memory limit that leaves room for one slice's copy, the first of two slices keeps the state
    before the last layer and rewinds it past the middle one only, the second past both."""
    circuit = layered()
    x, w = values(circuit, generator, batch=2)
    tuning = SimulatorSettings(step_states=step_states, step_floor_bytes=0)
    limit = None
    if copies:
        # one sample a slice
        tuning = SimulatorSettings(step_states=step_states, step_floor_bytes=0, slice_bytes=2**circuit.n_qubits * 16)
        plan = run_plan_of(circuit, None)
        copy = memory.state_bytes(circuit.n_qubits, 1, torch.complex128)
        base = memory.estimate_bytes(plan, 2, torch.complex128, "adjoint", torch.device("cpu"), tuning)
        limit = base + copies * copy
    slices = 2 if copies else 1
    products = count_block_products(monkeypatch)
    out = run(circuit, None, x, w, method="adjoint", max_memory=limit, settings=tuning)
    assert len(products) == 6 * slices  # the forward pass
    torch.autograd.grad(out.sum(), (x, w))
    assert len(products) == 6 * slices + 6 * slices + rewound


@pytest.mark.parametrize("wanted", ["inputs", "weights"])
@pytest.mark.parametrize("name", CIRCUITS)
def test_gradients_of_only_the_inputs_or_only_the_weights_match_plain_autograd(name, wanted, generator):
    circuit = CIRCUITS[name]()
    x, w = values(circuit, generator)
    x, w = (x, w.detach()) if wanted == "inputs" else (x.detach(), w)
    leaf = x if wanted == "inputs" else w
    observables = ["Z" * circuit.n_qubits, {"X" + "I" * (circuit.n_qubits - 1): 0.5}]
    fast = run(circuit, observables, x, w, method="adjoint", dense_max_qubits=0)
    plain = run(circuit, observables, x, w, method="backprop", fuse=0, product_state=False, dense_max_qubits=0)
    (got,), (want,) = torch.autograd.grad(fast.sum(), leaf), torch.autograd.grad(plain.sum(), leaf)
    torch.testing.assert_close(got, want, atol=1e-10, rtol=0)


def test_a_state_is_not_rewound_for_gradients_nobody_asked_for(generator, monkeypatch):
    """Inputs read only by the product state, weights constant: the adjoint state alone is rewound."""
    circuit = layered()
    x, w = values(circuit, generator, batch=2)
    products = count_block_products(monkeypatch)
    out = run(circuit, None, x, w.detach(), method="adjoint")
    torch.autograd.grad(out.sum(), x)
    assert len(products) == 6 + 6  # the forward pass, then the adjoint state undone past every block


def test_an_encoding_is_not_undone_when_the_inputs_need_no_gradient(generator, monkeypatch):
    """IQP encoding (two repeats) then two layers at 6 qubits: a phase run, the second repeat's H blocks [2-5]
    and [0-1], a phase run, then each layer's Rot blocks and a permutation. Without input gradients the walk
    back stops at the first trained blocks: it undoes the adjoint state past the last two blocks only (the
    forward pass kept the state before them). With them it goes on through the encoding."""
    circuit = circuits.iqp_encoding(6, n_repeats=2) + circuits.strongly_entangling(6, n_layers=2)
    plan = make_plan(compile_circuit(circuit))
    assert plan.trained(False) == (frozenset({4, 5, 7, 8}), False)
    assert plan.trained(True) == (frozenset({0, 3, 4, 5, 7, 8}), False)  # and the phase runs, reading inputs
    x, w = values(circuit, generator, batch=2)
    products = count_block_products(monkeypatch)
    for inputs, leaves, undone in [(x.detach(), (w,), 2), (x, (x, w), 6)]:
        out = run(circuit, None, inputs, w, method="adjoint", dense_max_qubits=0)
        products.clear()
        torch.autograd.grad(out.sum(), leaves)
        assert len(products) == undone


@pytest.mark.parametrize("copies", ["every slice", "two slices"])
@pytest.mark.parametrize("name", ["layered", "reupload_deep", "iqp_layered"])
@pytest.mark.parametrize("rows", [1, 3])
def test_copies_kept_for_the_backward_pass_give_the_same_gradients(name, rows, copies, generator):
    """Copies of the state before the costliest runs, in every slice of `rows` samples or, within a
    memory limit, in the first two only; shared and per-sample blocks. Then a second backward pass
    through the same graph, which runs the circuit (and makes its copies) again."""
    circuit = {
        "layered": layered,
        "reupload_deep": lambda: circuits.reupload(circuits.angle_encoding(4), circuits.strongly_entangling(4, 1), 3),
        "iqp_layered": lambda: circuits.iqp_encoding(5) + circuits.strongly_entangling(5, n_layers=3),
    }[name]()
    x, w = values(circuit, generator, batch=5)
    tuning = SimulatorSettings(slice_bytes=rows * 2**circuit.n_qubits * 16, step_states=1000)
    observables = mixed_observables(circuit.n_qubits)
    plan = run_plan_of(circuit, observables)
    cpu, dtype = torch.device("cpu"), torch.complex128
    limit = None
    if copies == "two slices":
        base = memory.estimate_bytes(plan, 5, dtype, "adjoint", cpu, tuning)
        limit = base + 2 * memory.state_bytes(circuit.n_qubits, rows, dtype)
    kept = checkpoints.checkpoints(plan, 5, dtype, cpu, limit, tuning)
    n_slices = len(engine.batch_slices(circuit.n_qubits, 5, dtype, cpu, tuning))
    assert sum(c.slices for c in kept) == (2 if limit else len(kept) * n_slices) > 0
    reference = run(circuit, observables, x, w, method="backprop", fuse=0, product_state=False)
    ours = run(circuit, observables, x, w, method="adjoint", max_memory=limit, settings=tuning)
    torch.testing.assert_close(ours, reference, atol=1e-10, rtol=0)
    cotangent = torch.randn(reference.shape, dtype=torch.float64, generator=generator)
    expected = torch.autograd.grad(reference, (x, w), cotangent)
    first = torch.autograd.grad(ours, (x, w), cotangent, retain_graph=True)
    second = torch.autograd.grad(ours, (x, w), cotangent)
    for a, b, c in zip(first, second, expected, strict=True):
        torch.testing.assert_close(a, c, atol=1e-9, rtol=1e-9)
        torch.testing.assert_close(b, a, atol=1e-12, rtol=0)


def test_state_prep_is_differentiated_by_backprop_under_auto(generator):
    circuit = circuits.amplitude_encoding(2, n_features=3) + circuits.strongly_entangling(2, n_layers=1)
    x, w = values(circuit, generator)
    with pytest.raises(ValueError, match="adjoint method does not differentiate StatePrep"):
        run(circuit, None, x, w, method="adjoint")

    def f(inputs, weights):
        return run(circuit, None, inputs, weights, method="auto")

    assert torch.autograd.gradcheck(f, (x, w))


def test_shots_keep_exact_adjoint_gradients(generator):
    circuit = CIRCUITS["angle_strongly_entangling"]()
    x, w = values(circuit, generator)
    observables = parse_observables(None, circuit.n_qubits)
    backend = SimulatorBackend(method="adjoint")
    sampled = backend.run(circuit, observables, x, w, shots=50, generator=torch.Generator().manual_seed(0))
    exact = SimulatorBackend(method="backprop").run(circuit, observables, x, w)
    assert not torch.allclose(sampled, exact)  # 50 shots are visibly noisy
    assert (sampled - exact).abs().max() < 0.6
    expected = torch.autograd.grad(exact.sum(), (x, w))
    got = torch.autograd.grad(sampled.sum(), (x, w))
    for a, b in zip(got, expected, strict=True):
        torch.testing.assert_close(a, b, atol=1e-10, rtol=0)
    probs = backend.run(circuit, Probabilities(), x, w, shots=64, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(probs.sum(1), torch.ones(3, dtype=torch.float64))
    assert ((probs * 64).round() == probs * 64).all()


def test_options_are_checked():
    with pytest.raises(ValueError, match="method must be one of 'auto', 'adjoint', 'backprop', got 'fast'"):
        SimulatorBackend(method="fast")
    with pytest.raises(ValueError, match="fuse must be a non-negative integer"):
        SimulatorBackend(fuse=-1)


@pytest.mark.cuda
@pytest.mark.parametrize("method", ["adjoint", "backprop"])
def test_cuda_gradients_agree_with_cpu(method, generator):
    circuit = CIRCUITS["iqp_strongly_entangling"]()
    x, w = values(circuit, generator)
    cpu = run(circuit, OBSERVABLES["mixed"], x, w, method=method)
    x_gpu = x.detach().cuda().requires_grad_(True)
    w_gpu = w.detach().cuda().requires_grad_(True)
    gpu = run(circuit, OBSERVABLES["mixed"], x_gpu, w_gpu, method=method)
    torch.testing.assert_close(gpu.cpu(), cpu, atol=1e-10, rtol=0)
    for a, b in zip(
        torch.autograd.grad(gpu.sum(), (x_gpu, w_gpu)), torch.autograd.grad(cpu.sum(), (x, w)), strict=True
    ):
        torch.testing.assert_close(a.cpu(), b, atol=1e-10, rtol=0)
