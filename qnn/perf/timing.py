"""Time one peer on one workload in a process of its own.

A fresh process per measurement gives each simulator its own peak memory and lets a measurement
that runs past its time limit be stopped. Peak memory is, on the CPU, how far the process's
resident set grew during the timed steps above what it held before them (`ru_maxrss` after minus
RSS before; it counts everything the process touched, allocator caches included), and on CUDA
`torch.cuda.max_memory_allocated` above the memory allocated before the steps.

Slow peers are bounded: after a warm-up, one sample and then a small batch are timed, and when the
full batch would not finish `1 + repeats` times within the time limit, the batch (then the repeats) shrinks to fit;
samples per second are then those of the smaller batch, and the measurement says so in `note`.
"""

from __future__ import annotations

import multiprocessing as mp
import resource
import statistics
import time
from dataclasses import asdict, dataclass

import psutil
import torch

from qnn.perf.peers import PEERS
from qnn.perf.workload import Workload


@dataclass(frozen=True)
class Measurement:
    peer: str
    n_qubits: int
    dtype: str  # "complex64" or "complex128"
    samples_per_s: float | None  # None when skipped or failed
    seconds: tuple[float, ...] = ()  # each timed step
    batch: int = 0  # the batch that was timed
    peak_bytes: int | None = None
    note: str = ""

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
    dtype = str(workload.dtype).removeprefix("torch.")
    rate = batch / statistics.median(seconds)
    return Measurement(peer_name, workload.n_qubits, dtype, rate, seconds, batch, max(peak, 0), note)


def _fit(batch: int, repeats: int, one_sample: float, time_limit: float) -> tuple[int, int, str]:
    """The batch and repeats whose `1 + repeats` steps fit in `time_limit`, and a note if they shrank."""
    if (1 + repeats) * batch * one_sample <= time_limit:
        return batch, repeats, ""
    fitted = max(1, min(batch, int(time_limit / ((1 + repeats) * max(one_sample, 1e-9)))))
    if fitted == 1:
        repeats = max(1, min(repeats, int(time_limit / max(one_sample, 1e-9)) - 1))
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


def _memory_now(device: str) -> int:
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
        return torch.cuda.memory_allocated()
    return psutil.Process().memory_info().rss


def _memory_peak(device: str) -> int:
    if device.startswith("cuda"):
        return torch.cuda.max_memory_allocated()
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux
