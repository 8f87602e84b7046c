"""How much slower a training step runs while another process keeps a core busy.

`busy_slowdown` times qnn's step of a workload in this process, taking turns between a quiet spell and a
busy one (a child process spinning on one core), and reports the median of the per-turn ratios busy/quiet.
The threads are whatever the step chooses itself (`qnn.threads`), as a user's would be, unless given.

Example:
    >>> result = busy_slowdown(Workload(4, batch=32), turns=2)  # doctest: +SKIP
    >>> result.ratio < 1.5  # doctest: +SKIP
    True
"""

from __future__ import annotations

import multiprocessing
import statistics
import time
from dataclasses import dataclass

import torch

from qnn.perf.peers.simulators import _qnn
from qnn.perf.workload import Workload


@dataclass(frozen=True)
class BusyResult:
    n_qubits: int
    batch: int
    quiet_seconds: float  # median step on a machine as quiet as it was
    busy_seconds: float  # median step while one other process spins
    ratio: float  # median over turns of busy / quiet


def _spin(stop) -> None:
    while not stop.is_set():
        pass


def busy_slowdown(workload: Workload, turns: int = 7, steps_per_turn: int = 3) -> BusyResult:
    """Median step time of qnn on `workload`, quiet and with one spinning process, turn by turn."""
    step = _qnn(workload)
    x = workload.inputs()
    step(x)  # warm-up: compile the circuit, fill caches
    quiet, busy, ratios = [], [], []
    # fork: the spinner needs nothing but a loop, and a spawned child would spend seconds importing torch
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    for _ in range(turns):
        _settle(step, x)
        q = _median_step(step, x, steps_per_turn)
        stop = context.Event()
        spinner = context.Process(target=_spin, args=(stop,), daemon=True)
        spinner.start()
        time.sleep(0.3)  # let it reach its loop
        try:
            _settle(step, x)
            b = _median_step(step, x, steps_per_turn)
        finally:
            stop.set()
            spinner.join(timeout=5)
            if spinner.is_alive():
                spinner.kill()
        quiet.append(q)
        busy.append(b)
        ratios.append(b / q)
    return BusyResult(
        workload.n_qubits, workload.batch, statistics.median(quiet), statistics.median(busy), statistics.median(ratios)
    )


def _settle(step, x: torch.Tensor) -> None:
    """One untimed step, then a pause: a training loop sees another process start or stop within two readings
    of the load a tenth of a second apart (`qnn.threads.busy_elsewhere`); the steps timed after are those of
    a machine that has been busy, or quiet, for a while."""
    step(x)
    time.sleep(0.1)
    step(x)


def _median_step(step, x: torch.Tensor, n: int) -> float:
    seconds = []
    for _ in range(n):
        start = time.perf_counter()
        step(x)
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)
