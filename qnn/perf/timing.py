"""Time one peer on one workload in a process of its own.

A fresh process per measurement gives each simulator its own peak memory and lets a measurement
that runs past its time limit be stopped. Peak memory is, on the CPU, how far the process's
resident set grew during the timed steps above what it held before them (`ru_maxrss` after minus
RSS before; it counts everything the process touched, allocator caches included), and on CUDA
`torch.cuda.max_memory_allocated` above the memory allocated before the steps.

For simulators whose states are torch tensors, one more step measures the peak of torch's live
allocations during a step (`tensor_peak_bytes`): on the CPU from the profiler's memory events
(qnn's kept scratch tensors are released first, so that they are counted), on CUDA as above. In
units of one batched state (`state_bytes`) it is what the memory target is stated in.

Slow peers are bounded: after a warm-up, one sample and then a small batch are timed, and when the
full batch would not finish `2 + repeats` times (warm-up, timed steps, memory step) within the time
limit, the batch (then the repeats) shrinks to fit; samples per second are then those of the smaller
batch, and the measurement says so in `note`.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import resource
import statistics
import sys
import time
from dataclasses import asdict, dataclass, replace

import psutil
import torch

from qnn.perf.peers import PEERS
from qnn.perf.workload import Workload
from qnn.simulator.memory import state_bytes


@dataclass(frozen=True)
class Measurement:
    peer: str
    n_qubits: int
    dtype: str  # "complex64" or "complex128"
    samples_per_s: float | None  # None when skipped or failed
    seconds: tuple[float, ...] = ()  # each timed step
    batch: int = 0  # the batch that was timed
    peak_bytes: int | None = None
    tensor_peak_bytes: int | None = None  # peak of torch's live allocations in one step
    state_bytes: int = 0  # one batched state of the timed batch
    note: str = ""
    round_rates: tuple[float | None, ...] = ()  # with several rounds: each round's samples/s, in order

    @property
    def peak_states(self) -> float | None:
        """`tensor_peak_bytes` in batched states."""
        if self.tensor_peak_bytes is None or not self.state_bytes:
            return None
        return self.tensor_peak_bytes / self.state_bytes

    def as_dict(self) -> dict:
        return asdict(self)


def measure(
    peer_name: str, workload: Workload, repeats: int = 5, time_limit: float = 60.0, threads: int | None = None
) -> Measurement:
    """Median samples/s of `repeats` steps after a warm-up, in a child process stopped after `time_limit` s.

    `threads`: torch's CPU threads in that process (None: torch's default, one per core).
    """
    peer = PEERS[peer_name]
    dtype = str(workload.dtype).removeprefix("torch.")
    skipped = peer.unavailable(workload)
    if skipped:
        return Measurement(peer_name, workload.n_qubits, dtype, None, note=skipped)
    context = mp.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_child, args=(sender, peer_name, workload, repeats, time_limit, threads), daemon=True
    )
    child.start()
    sender.close()
    # Setting up (imports, compilation) is not counted in the limit; a generous margin covers it.
    if receiver.poll(time_limit * 1.5 + 60):
        result = receiver.recv()
    else:
        result = Measurement(peer_name, workload.n_qubits, dtype, None, note=f"stopped after {time_limit:.0f} s")
    child.join(5)
    if child.is_alive():
        child.kill()
        child.join()
    return result


def median_round(rounds: list[Measurement]) -> Measurement:
    """One measurement from the rounds of the same one: the round of median samples/s, with every
    round's samples/s and timed steps and the largest peaks. Failed rounds are left out, unless all failed."""
    done = sorted((m for m in rounds if m.samples_per_s), key=lambda m: m.samples_per_s)
    if not done:
        return rounds[0]
    middle = done[(len(done) - 1) // 2]  # the lower middle for an even count: a round that was measured
    tensor_peaks = [m.tensor_peak_bytes for m in done if m.tensor_peak_bytes is not None]
    return replace(
        middle,
        round_rates=tuple(m.samples_per_s for m in rounds),
        seconds=tuple(s for m in rounds for s in m.seconds),
        peak_bytes=max(m.peak_bytes for m in done),
        tensor_peak_bytes=max(tensor_peaks) if tensor_peaks else None,
    )


def _child(sender, peer_name: str, workload: Workload, repeats: int, time_limit: float, threads) -> None:
    dtype = str(workload.dtype).removeprefix("torch.")
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        result = _run(peer_name, workload, repeats, time_limit)
    except Exception as error:  # a peer failing must not stop the benchmark; report what it said
        result = Measurement(peer_name, workload.n_qubits, dtype, None, note=f"failed: {type(error).__name__}: {error}")
    sender.send(result)
    sender.close()


def _run(peer_name: str, workload: Workload, repeats: int, time_limit: float) -> Measurement:
    step = PEERS[peer_name].setup(workload)
    sync = _synchronizer(workload.device)
    single = workload.inputs(1)
    _timed(step, single, sync)  # the first call pays for compilation and caches
    one = _timed(step, single, sync)
    probe = max(1, min(workload.batch, int(0.1 * time_limit / max(one, 1e-9))))
    per_sample = _timed(step, workload.inputs(probe), sync) / probe if probe > 1 else one
    batch, repeats, note = _fit(workload.batch, repeats, per_sample, time_limit)
    x = workload.inputs(batch)
    baseline = _memory_now(workload.device)
    _timed(step, x, sync)  # warm-up at the timed batch
    seconds = tuple(_timed(step, x, sync) for _ in range(repeats))
    peak = _memory_peak(workload.device) - baseline
    tensor_peak = _tensor_peak(step, x, workload.device) if PEERS[peer_name].tensors else None
    dtype = str(workload.dtype).removeprefix("torch.")
    rate = batch / statistics.median(seconds)
    state = state_bytes(workload.n_qubits, batch, workload.dtype)
    return Measurement(
        peer_name, workload.n_qubits, dtype, rate, seconds, batch, max(peak, 0), tensor_peak, state, note
    )


def _fit(batch: int, repeats: int, one_sample: float, time_limit: float) -> tuple[int, int, str]:
    """The batch and repeats whose `2 + repeats` steps fit in `time_limit`, and a note if they shrank."""
    if (2 + repeats) * batch * one_sample <= time_limit:
        return batch, repeats, ""
    fitted = max(1, min(batch, int(time_limit / ((2 + repeats) * max(one_sample, 1e-9)))))
    if fitted == 1:
        repeats = max(1, min(repeats, int(time_limit / max(one_sample, 1e-9)) - 2))
    return fitted, repeats, f"batch {fitted} of {batch}, {repeats} repeats (time limit)"


def _timed(step, x: torch.Tensor, sync) -> float:
    start = time.perf_counter()
    step(x)
    sync()
    return time.perf_counter() - start


def _synchronizer(device: str):
    if device.startswith("cuda"):
        return torch.cuda.synchronize
    return lambda: None


def _tensor_peak(step, x: torch.Tensor, device: str) -> int:
    """Peak bytes of torch's live allocations during one step, above those held before it."""
    from qnn.simulator import workspace

    workspace.release()  # kept scratch tensors are then allocated, and counted, within the step
    if device.startswith("cuda"):
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        before = torch.cuda.memory_allocated()
        step(x)
        torch.cuda.synchronize()
        return torch.cuda.max_memory_allocated() - before
    from torch.profiler import ProfilerActivity, profile

    with _quiet_stderr(), profile(activities=[ProfilerActivity.CPU], profile_memory=True) as profiler:
        step(x)
    # Each memory event is one allocation (+bytes) or release (-bytes). The profiler's public event
    # list keeps only some of them; its raw results have all.
    events = [e for e in profiler.profiler.kineto_results.events() if e.name() == "[memory]"]
    live = peak = 0
    for event in sorted(events, key=lambda e: e.start_ns()):
        live += event.nbytes()
        peak = max(peak, live)
    return peak


@contextlib.contextmanager
def _quiet_stderr():
    """Silence the profiler's C++ warning for each tensor allocated before it started and freed
    during the step (the last step's gradients): those releases are not counted, which can only
    raise the peak, by their size (a few small tensors)."""
    sys.stderr.flush()
    saved = os.dup(2)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _memory_now(device: str) -> int:
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
        return torch.cuda.memory_allocated()
    return psutil.Process().memory_info().rss


def _memory_peak(device: str) -> int:
    if device.startswith("cuda"):
        return torch.cuda.max_memory_allocated()
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux
