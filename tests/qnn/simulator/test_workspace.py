"""Scratch tensors kept between calls: reused by name, never shared between names, and never kept
where they would hold much memory; and simulations that use them stay correct when calls interleave."""

import torch

import circuits
from qnn.backends import SimulatorBackend
from qnn.observables import parse_observables
from qnn.simulator import workspace
from qnn.simulator.settings import SimulatorSettings


def test_a_name_gets_the_same_memory_again_and_other_names_other_memory():
    first = workspace.scratch("test-a", (4, 8), torch.complex128, torch.device("cpu"))
    again = workspace.scratch("test-a", (2, 8), torch.complex128, torch.device("cpu"))
    other = workspace.scratch("test-b", (4, 8), torch.complex128, torch.device("cpu"))
    assert again.data_ptr() == first.data_ptr()
    assert other.data_ptr() != first.data_ptr()
    assert again.shape == (2, 8) and again.dtype == torch.complex128


def test_a_larger_request_grows_the_kept_tensor_and_other_dtypes_share_it():
    small = workspace.scratch("test-grow", (2,), torch.float32, torch.device("cpu"))
    large = workspace.scratch("test-grow", (64,), torch.complex64, torch.device("cpu"))
    assert large.numel() == 64 and large.dtype == torch.complex64
    assert workspace.scratch("test-grow", (3,), torch.float64, torch.device("cpu")).data_ptr() == large.data_ptr()
    assert small.numel() == 2


def test_tensors_above_the_limit_are_not_kept():
    first = workspace.scratch("test-big", (16,), torch.float64, torch.device("cpu"), keep_at_most_bytes=64)
    second = workspace.scratch("test-big", (16,), torch.float64, torch.device("cpu"), keep_at_most_bytes=64)
    del first
    assert second.numel() == 16
    assert "test-big" not in workspace._LOCAL.buffers


def test_interleaved_forward_passes_keep_their_own_states(generator):
    """Two layers run forward before either runs backward (their scratch tensors are shared by name)."""
    circuit = circuits.angle_encoding(4) + circuits.strongly_entangling(4, n_layers=2)
    observables = parse_observables(None, circuit.n_qubits)
    xs = [torch.rand(5, 4, dtype=torch.float64, generator=generator).requires_grad_(True) for _ in "ab"]
    ws = [torch.rand(circuit.n_weights, dtype=torch.float64, generator=generator).requires_grad_(True) for _ in "ab"]

    def gradients(method, interleaved):
        backend = SimulatorBackend(method=method)
        if interleaved:
            outputs = [backend.run(circuit, observables, x, w) for x, w in zip(xs, ws, strict=True)]
            loss = outputs[0].square().sum() + outputs[1].sum()
            return torch.autograd.grad(loss, [*xs, *ws])
        first = torch.autograd.grad(backend.run(circuit, observables, xs[0], ws[0]).square().sum(), [xs[0], ws[0]])
        second = torch.autograd.grad(backend.run(circuit, observables, xs[1], ws[1]).sum(), [xs[1], ws[1]])
        return first[0], second[0], first[1], second[1]

    expected = gradients("backprop", interleaved=False)
    for ours, reference in zip(gradients("adjoint", interleaved=True), expected, strict=True):
        torch.testing.assert_close(ours, reference, atol=1e-10, rtol=0)


def test_release_drops_the_kept_tensors():
    workspace.scratch("test-release", (8,), torch.float64, torch.device("cpu"))
    workspace.recycle(torch.empty(8, dtype=torch.float64))
    workspace.release()
    assert "buffers" not in workspace._LOCAL.__dict__
    assert "recycled" not in workspace._LOCAL.__dict__
    assert workspace.scratch("test-release", (8,), torch.float64, torch.device("cpu")).numel() == 8


CPU = torch.device("cpu")


def test_a_recycled_tensor_is_reused_for_the_same_size_only():
    workspace.release()
    first = workspace.reused((4, 8), torch.complex128, CPU)
    workspace.recycle(first)
    other_size = workspace.reused((4, 4), torch.complex128, CPU)
    again = workspace.reused((8, 4), torch.complex128, CPU)
    fresh = workspace.reused((4, 8), torch.complex128, CPU)
    assert again.data_ptr() == first.data_ptr() and again.shape == (8, 4)
    assert other_size.data_ptr() != first.data_ptr()
    assert fresh.data_ptr() != first.data_ptr()  # handed out once, not twice


def test_scratch_memory_views_and_tensors_past_the_limit_are_not_recycled():
    workspace.release()
    buffer = workspace.scratch(workspace.STATE, (4, 8), torch.complex128, CPU)
    workspace.recycle(buffer)
    whole = torch.empty(4, 8, dtype=torch.complex128)
    workspace.recycle(whole[:2])  # a part of a tensor that may still be read
    assert "recycled" not in workspace._LOCAL.__dict__ or not any(workspace._LOCAL.recycled.values())
    for _ in range(3):
        workspace.recycle(torch.empty(4, 8, dtype=torch.complex128), at_most_bytes=2 * whole.numel() * 16)
    assert sum(len(free) for free in workspace._LOCAL.recycled.values()) == 2


def test_training_steps_reuse_the_final_states_and_keep_exact_gradients(generator):
    """Each backward pass hands its final states back and the next forward pass takes them; the
    gradients of every step still match backprop's. Slices of two samples, so that several are in use."""
    circuit = circuits.angle_encoding(4) + circuits.strongly_entangling(4, n_layers=2)
    observables = parse_observables(None, circuit.n_qubits)
    two_samples_a_slice = SimulatorSettings(slice_bytes=2 * 2**4 * 16)
    workspace.release()
    w = torch.rand(circuit.n_weights, dtype=torch.float64, generator=generator).requires_grad_(True)
    for _ in range(3):
        x = torch.rand(5, 4, dtype=torch.float64, generator=generator).requires_grad_(True)
        grads = {}
        for method in ("backprop", "adjoint"):
            out = SimulatorBackend(method=method, settings=two_samples_a_slice).run(circuit, observables, x, w)
            grads[method] = torch.autograd.grad((out * torch.arange(4.0, dtype=out.dtype)).sum(), [x, w])
        for ours, reference in zip(grads["adjoint"], grads["backprop"], strict=True):
            torch.testing.assert_close(ours, reference, atol=1e-10, rtol=0)
        # Slices of 2, 2 and 1 samples of 16 amplitudes, 16 bytes each: their states are back, and
        # only those (had the forward passes not taken them, there would be more each step).
        recycled = workspace._LOCAL.recycled
        assert sorted((size, len(free)) for size, free in recycled.items() if free) == [(256, 1), (512, 2)]
