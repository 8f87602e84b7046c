"""How many CPU threads a simulation gets: chosen from the work's size and how busy the machine is.

torch runs each operation on all its intra-op threads (one per core by default). For the small states
that most hybrid models hold, that buys nothing, and on a machine where other processes keep cores busy
it costs a great deal: every parallel operation waits for a thread that is not scheduled (measured on
two shared cores with two other busy processes: a 4-qubit training step took 94 ms with 2 threads and
20 ms with 1; a 12-qubit one, batch 64, 555 ms against 60 ms). So a layer's forward and backward pass run
with one thread unless the work is large and cores are idle; the caller's setting is restored after.

Example:
    >>> threads_for(amplitudes=32 * 2**4)
    1
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager

import torch

# Below this many amplitudes (batch × 2^n) in a call, one thread is as fast as several even on an idle
# machine: operations are too short to split.
PARALLEL_AMPLITUDES = 2**18
# How long a reading of how busy the machine is holds. On Linux the two latest readings are kept (`busy_elsewhere`).
_READING_SECONDS = 0.1
_LOAD_SECONDS = 1.0  # the load average changes slowly: its reading is reused for longer
_load: tuple[float, float] = (-float("inf"), 0.0)  # (when read, one-minute load average)
_readings: tuple[tuple[float, int], ...] = ()  # (when read, threads of other processes ready to run)
_last_reading = -float("inf")  # when the threads ready to run were last read, or tried


def idle_cores() -> int:
    """Cores not used by other processes: the cores torch may use less those others keep busy."""
    return max(1, int(os.cpu_count() or 1) - busy_elsewhere())


def busy_elsewhere() -> int:
    """Cores that other processes keep busy now.

    On Linux, from the threads ready to run (`/proc`), less this process's own (its intra-op threads spin
    between operations): the smaller of the last two readings, a tenth of a second apart or more, so that
    one passing process does not count (a reading costs about 0.1 ms). Elsewhere, the one-minute load
    average less this process, which takes about a minute to follow a process that starts: with one
    spinning process started a moment before, a 10-qubit step (batch 256) on two threads took 5-7x as long
    as on a quiet machine.
    """
    global _load, _readings, _last_reading
    now = time.monotonic()
    if now - _last_reading > _READING_SECONDS:
        _last_reading = now
        others = _other_threads_ready()
        # Where they cannot be read (no /proc, or too many threads of its own), none are kept: the load average decides.
        _readings = () if others is None else (*_readings[-1:], (now, others))
    if _readings:
        return min(others for _, others in _readings)
    if now - _load[0] > _LOAD_SECONDS:
        _load = (now, os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0)
    return round(max(0.0, _load[1] - 1.0))  # this process, busy with the step, counts for about one


# Above this many threads in this process, reading each one's state costs more than the reading is worth
# (about 5 µs a thread): the load average is used instead.
_MAX_OWN_THREADS = 64


def _other_threads_ready() -> int | None:
    """Threads of other processes running or ready to run (Linux: /proc/loadavg's count less this process's
    threads in state R); None where /proc cannot be read, or this process has more than `_MAX_OWN_THREADS`."""
    try:
        with open("/proc/loadavg") as f:
            ready = int(f.read().split()[3].split("/")[0])
        tasks = os.listdir("/proc/self/task")
        if len(tasks) > _MAX_OWN_THREADS:
            return None
        own = 0
        for task in tasks:
            try:
                with open(f"/proc/self/task/{task}/stat") as f:
                    stat = f.read()
            except OSError:  # the thread ended meanwhile
                continue
            own += stat[stat.rindex(")") + 2] == "R"
    except (OSError, ValueError, IndexError):
        return None
    return max(0, ready - own)


def threads_for(amplitudes: int, limit: int | None = None) -> int:
    """Intra-op threads for simulator work on `amplitudes` complex numbers: 1 for small work, else the
    idle cores, at most `limit` (default: torch's current setting)."""
    limit = torch.get_num_threads() if limit is None else limit
    if amplitudes < PARALLEL_AMPLITUDES or limit == 1:
        return 1
    return max(1, min(limit, idle_cores()))


@contextmanager
def intra_op_threads(n: int):
    """Run the block with `n` intra-op threads, then restore the caller's setting."""
    before = torch.get_num_threads()
    if n == before:
        yield
        return
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class _SetThreads(torch.autograd.Function):
    """Identity whose backward sets the intra-op threads: on a layer's output it chooses the threads of the
    layer's backward pass; on the layer's inputs it restores the caller's setting once that pass is done."""

    @staticmethod
    def forward(ctx, threads: int, tensor: torch.Tensor) -> torch.Tensor:
        ctx.threads = threads
        return tensor.view_as(tensor)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        torch.set_num_threads(ctx.threads)
        return None, grad


def run_with_threads(threads: int, run, *tensors: torch.Tensor) -> torch.Tensor:
    """`run(*tensors)` with `threads` intra-op threads in its forward pass and in its backward pass.

    The caller's setting is restored after the forward pass and when the backward pass reaches `tensors`.
    """
    before = torch.get_num_threads()
    if threads == before:
        return run(*tensors)
    recording = torch.is_grad_enabled()
    if recording:  # only tensors that need gradients: wrapping the others would make them need some
        tensors = tuple(_SetThreads.apply(before, t) if t.requires_grad else t for t in tensors)
    with intra_op_threads(threads):
        output = run(*tensors)
    if recording and output.requires_grad:
        output = _SetThreads.apply(threads, output)
    return output


def run_sized(amplitudes: int, run, *tensors: torch.Tensor) -> torch.Tensor:
    """`run(*tensors)` with the intra-op threads `threads_for(amplitudes)` picks, on the CPU (elsewhere as it is):
    what a layer, the Qiskit primitives and the PennyLane device all run their simulations with."""
    if tensors[0].device.type != "cpu":
        return run(*tensors)
    return run_with_threads(threads_for(amplitudes), run, *tensors)
