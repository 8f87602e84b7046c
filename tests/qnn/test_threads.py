import pytest
import torch

import qnn.threads as threads_module
from qnn.threads import PARALLEL_AMPLITUDES, run_with_threads, threads_for


@pytest.fixture
def two_threads():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def load(monkeypatch, value: float, cores: int = 4):
    monkeypatch.setattr(threads_module, "_load", (-float("inf"), 0.0))
    monkeypatch.setattr(threads_module.os, "getloadavg", lambda: (value, value, value))
    monkeypatch.setattr(threads_module.os, "cpu_count", lambda: cores)


def test_small_work_gets_one_thread_and_large_work_the_idle_cores(monkeypatch):
    load(monkeypatch, 1.0)  # only this process
    assert threads_for(PARALLEL_AMPLITUDES - 1, limit=4) == 1
    assert threads_for(PARALLEL_AMPLITUDES, limit=4) == 4
    assert threads_for(PARALLEL_AMPLITUDES, limit=2) == 2
    load(monkeypatch, 3.0)  # two other busy processes on four cores
    assert threads_for(PARALLEL_AMPLITUDES, limit=4) == 2
    load(monkeypatch, 9.0)
    assert threads_for(10 * PARALLEL_AMPLITUDES, limit=4) == 1


class Recorder(torch.autograd.Function):
    """Records the intra-op threads of its forward and backward passes."""

    seen: list = []

    @staticmethod
    def forward(ctx, x):
        Recorder.seen.append(("forward", torch.get_num_threads()))
        return x * 2

    @staticmethod
    def backward(ctx, grad):
        Recorder.seen.append(("backward", torch.get_num_threads()))
        return grad * 2


def test_forward_and_backward_run_with_the_chosen_threads_then_the_callers_return(two_threads):
    Recorder.seen = []
    x = torch.ones(3, requires_grad=True)
    frozen = torch.ones(3)
    out = run_with_threads(1, lambda a, b: Recorder.apply(a) + b, x, frozen)
    assert torch.get_num_threads() == 2 and not frozen.requires_grad
    out.sum().backward()
    assert Recorder.seen == [("forward", 1), ("backward", 1)]
    assert torch.get_num_threads() == 2
    torch.testing.assert_close(x.grad, torch.full((3,), 2.0))


def test_a_quantum_layer_restores_the_callers_threads(two_threads):
    import circuits
    from qnn import QuantumLayer

    layer = QuantumLayer(circuits.angle_encoding(2) + circuits.basic_entangler(2, 1))
    x = torch.rand(3, 2, requires_grad=True)
    layer(x).sum().backward()
    assert torch.get_num_threads() == 2 and x.grad is not None and layer.weights.grad is not None
