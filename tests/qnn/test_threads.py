import os

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
    """A machine whose one-minute load average is `value`, where the threads ready to run cannot be read."""
    monkeypatch.setattr(threads_module, "_load", (-float("inf"), 0.0))
    monkeypatch.setattr(threads_module, "_readings", ())
    monkeypatch.setattr(threads_module, "_last_reading", -float("inf"))
    monkeypatch.setattr(threads_module, "_other_threads_ready", lambda: None)
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


def test_threads_ready_elsewhere_count_at_once_unless_only_one_reading_saw_them(monkeypatch):
    """Where they can be read, the threads of other processes ready to run decide, not the load average (which
    lags a minute behind): the smaller of the last two readings, taken a tenth of a second apart or more."""
    load(monkeypatch, 1.0)
    clock = [100.0]
    ready = iter([0, 2, 2, 0, 3])
    monkeypatch.setattr(threads_module.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(threads_module, "_other_threads_ready", lambda: next(ready))
    chosen = []
    for _ in range(5):
        chosen.append(threads_for(PARALLEL_AMPLITUDES, limit=4))
        assert threads_for(PARALLEL_AMPLITUDES, limit=4) == chosen[-1]  # within 0.1 s: the same readings
        clock[0] += 0.2
    assert chosen == [4, 4, 2, 4, 4]  # readings 0; 0, 2; 2, 2; 2, 0; 0, 3
    # Once they cannot be read (the process grew past its thread limit, say), old readings no longer count.
    monkeypatch.setattr(threads_module, "_other_threads_ready", lambda: None)
    monkeypatch.setattr(threads_module.os, "getloadavg", lambda: (3.0, 3.0, 3.0))  # two other busy processes
    assert threads_for(PARALLEL_AMPLITUDES, limit=4) == 2  # the last readings (0, 3) would have given 4


@pytest.mark.skipif(not os.path.exists("/proc/loadavg"), reason="reads Linux's /proc")
def test_threads_ready_elsewhere_are_read_from_proc(monkeypatch):
    assert threads_module._other_threads_ready() >= 0
    # A process with many threads of its own is not read thread by thread: the load average decides.
    monkeypatch.setattr(threads_module, "_MAX_OWN_THREADS", 0)
    assert threads_module._other_threads_ready() is None


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
