"""Time simulators on one workload, each in a process of its own, taking turns step by step.

A process per simulator gives each its own peak memory and lets one that runs past its time limit be
stopped. Peak memory is, on the CPU, how far the process's resident set grew during the timed steps
above what it held before them (`ru_maxrss` after minus RSS before; it counts everything the process
touched, allocator caches included), and on CUDA `torch.cuda.max_memory_allocated` above the memory
allocated before the steps.

For simulators whose states are torch tensors, one more step measures the peak of torch's live
allocations during a step (`tensor_peak_bytes`): on the CPU from the profiler's memory events
(qnn's kept scratch tensors are released first, so that they are counted), on CUDA as above. In
units of one batched state (`state_bytes`) it is what the memory target is stated in.

The simulators of one workload are set up one after another; then they take turns: in each turn
every simulator runs one step while the others wait, in alternating order from turn to turn (a
warm-up turn, then the timed ones). qnn's step and a peer's in the same turn are seconds apart, so
the ratio of their speeds in that turn (`pair_ratios`) is little moved by the machine's speed
drifting over minutes, as it does on a shared machine.

Slow peers are bounded: after a warm-up, one sample and then a small batch are timed, and when the
full batch would not finish `2 + repeats` times (warm-up, timed steps, memory step) within the time
limit, the batch (then the repeats) shrinks to fit; samples per second are then those of the smaller
batch, and the measurement says so in `note`. A peer with fewer repeats sits out the last turns. A
short step (under a second) is preceded by an untimed one in its turn (see `SETTLE_SECONDS`), and a
step of a few milliseconds is timed as the mean of a block of steps filling `TURN_SECONDS`, as one step
that short is at the mercy of any other process waking up.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace

import psutil
import torch

from qnn.perf.peers import PEERS
from qnn.perf.peers.xla import xla_threads
from qnn.perf.workload import Workload
from qnn.simulator import state_bytes


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
    pair_ratios: tuple[float, ...] = ()  # a peer's: qnn's samples/s over its own, in each turn both were timed

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
    """One simulator alone: median samples/s of `repeats` steps after a warm-up (see `measure_together`)."""
    return measure_together([peer_name], workload, repeats, time_limit, threads)[0]


def measure_together(
    peer_names: list[str],
    workload: Workload,
    repeats: int = 5,
    time_limit: float = 60.0,
    threads: int | None = None,
    advance: Callable[[], None] = lambda: None,
) -> list[Measurement]:
    """A measurement per simulator in `peer_names` (in that order), taking turns on `workload`.

    Each runs in a child process, stopped when a phase runs past about `time_limit` s (its steps are
    fitted to it); `threads`: torch's CPU threads in those processes (None: torch's default). With
    "qnn" among them, each peer's `pair_ratios` holds qnn/peer of every turn both were timed in.
    `advance` is called after each simulator is set up (or skipped), after each turn and at the end:
    `len(peer_names) + repeats + 2` times, for a progress bar.
    """
    results: dict[str, Measurement] = {}
    runners = []
    for name in peer_names:
        skipped = PEERS[name].unavailable(workload)
        if skipped:
            results[name] = Measurement(name, workload.n_qubits, workload.dtype_name, None, note=skipped)
        else:  # one at a time, so that each one's timing probe runs alone
            runners.append(_Runner(name, workload, repeats, time_limit, threads))
        advance()
    for turn in range(1 + repeats):  # a warm-up turn, then the timed ones
        for runner in runners if turn % 2 == 0 else runners[::-1]:
            runner.step(turn)
        advance()
    for runner in runners:
        results[runner.peer] = runner.finish()
    advance()
    _add_pair_ratios(results, {runner.peer: runner.turn_seconds for runner in runners})
    return [results[name] for name in peer_names]


def _add_pair_ratios(results: dict[str, Measurement], turn_seconds: dict[str, dict[int, float]]) -> None:
    ours, qnn = turn_seconds.get("qnn"), results.get("qnn")
    if not ours or not qnn.samples_per_s:
        return
    for name, seconds in turn_seconds.items():
        peer = results[name]
        if name != "qnn" and peer.samples_per_s:
            turns = sorted(seconds.keys() & ours.keys())
            pairs = tuple((qnn.batch / ours[t]) / (peer.batch / seconds[t]) for t in turns)
            results[name] = replace(peer, pair_ratios=pairs)


# Before each step, a pause for the other processes' idle threads to stop spinning, and, for short
# steps, one untimed step to bring the simulator's caches back after another one ran. Measured at
# 8 qubits, qnn after a default.qubit step: its first step took 1.8x its usual time without the
# pause, 1.13x with it; the next steps were as fast as those of qnn alone.
SETTLE_SECONDS = 0.1
REWARM_BELOW_SECONDS = 1.0
TURN_SECONDS = 0.05  # a turn's timed steps fill at least this long (at most `MAX_STEPS_PER_TURN` of them)
MAX_STEPS_PER_TURN = 100


class _Runner:
    """A simulator in a child process: set up when created, one step per `step`, then `finish`.

    A child that fails or does not answer in time is stopped; its measurement then says why.
    """

    def __init__(self, peer: str, workload: Workload, repeats: int, time_limit: float, threads: int | None):
        self.peer, self.workload, self.time_limit = peer, workload, time_limit
        self.turn_seconds: dict[int, float] = {}  # the timed steps, by turn
        self.failure: str | None = None
        context = mp.get_context("spawn")
        self.connection, child_end = context.Pipe()
        self.process = context.Process(
            target=_child, args=(child_end, peer, workload, repeats, time_limit, threads), daemon=True
        )
        with xla_threads(threads):  # JAX peers on as many threads as torch's
            self.process.start()
        child_end.close()
        # Setting up (imports, compilation) is not counted in the limit; a generous margin covers it.
        reply = self._ask(None, time_limit * 1.5 + 60)
        self.steps_left = 1 + reply if reply is not None else 0  # the warm-up and the timed steps

    def step(self, turn: int) -> None:
        if self.steps_left and self.failure is None:
            time.sleep(SETTLE_SECONDS)
            seconds = self._ask("step", self.time_limit + 60)
            self.steps_left -= 1
            if seconds is not None and turn > 0:
                self.turn_seconds[turn] = seconds

    def finish(self) -> Measurement:
        result = self._ask("finish", self.time_limit + 60) if self.failure is None else None
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        if result is None:
            return Measurement(self.peer, self.workload.n_qubits, self.workload.dtype_name, None, note=self.failure)
        return result

    def _ask(self, command: str | None, timeout: float):
        """Send `command` (None: only listen) and return the child's answer, or None after a failure."""
        try:
            if command is not None:
                self.connection.send(command)
            if not self.connection.poll(timeout):
                self.failure = f"stopped after {self.time_limit:.0f} s"
                self.process.kill()
                return None
            kind, value = self.connection.recv()
        except (EOFError, OSError):  # the child ended without a word (killed by the system, or crashed)
            self.process.join(5)
            kind, value = "failed", f"failed: its process ended with exit code {self.process.exitcode}"
        if kind == "failed":
            self.failure = value
            return None
        return value


def _child(connection, peer_name: str, workload: Workload, repeats: int, time_limit: float, threads) -> None:
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        worker = _Worker(peer_name, workload, repeats, time_limit)
        connection.send(("ready", worker.repeats))
        while connection.recv() == "step":
            connection.send(("step", worker.step()))
        connection.send(("done", worker.result()))
    except Exception as error:  # a peer failing must not stop the benchmark; report what it said
        connection.send(("failed", f"failed: {type(error).__name__}: {error}"))
    connection.close()


class _Worker:
    """In the child: the simulator's step at a batch fitted to the time limit, and what it measured."""

    def __init__(self, peer_name: str, workload: Workload, repeats: int, time_limit: float):
        self.peer, self.workload = peer_name, workload
        self.run = PEERS[peer_name].setup(workload)
        self.sync = _synchronizer(workload.device)
        single = workload.inputs(1)
        _timed(self.run, single, self.sync)  # the first call pays for compilation and caches
        one = _timed(self.run, single, self.sync)
        probe = max(1, min(workload.batch, int(0.1 * time_limit / max(one, 1e-9))))
        if probe > 1 and hasattr(self.run, "compile_seconds"):  # a compiling peer compiles for each batch size
            _timed(self.run, workload.inputs(probe), self.sync)
        per_sample = _timed(self.run, workload.inputs(probe), self.sync) / probe if probe > 1 else one
        self.batch, self.repeats, self.note = _fit(workload.batch, repeats, per_sample, time_limit)
        self.steps_per_turn = steps_per_turn(per_sample * self.batch)
        self.x = workload.inputs(self.batch)
        self.baseline: int | None = None  # memory before the warm-up step
        self.warm_up = 0.0  # its seconds
        self.seconds: list[float] = []

    def step(self) -> float:
        """One step's seconds (the mean of `steps_per_turn`); the first is the warm-up, not counted. A
        short step is preceded by an untimed one (`REWARM_BELOW_SECONDS`)."""
        if self.baseline is None:
            self.baseline = _memory_now(self.workload.device)
            self.warm_up = _timed(self.run, self.x, self.sync)
            return self.warm_up
        if self.warm_up < REWARM_BELOW_SECONDS:
            _timed(self.run, self.x, self.sync)
        self.seconds.append(_timed(self.run, self.x, self.sync, self.steps_per_turn) / self.steps_per_turn)
        return self.seconds[-1]

    def result(self) -> Measurement:
        if not self.seconds:
            raise RuntimeError("no step was timed")
        peak = _memory_peak(self.workload.device) - self.baseline
        device = self.workload.device
        tensor_peak = _tensor_peak(self.run, self.x, device) if PEERS[self.peer].tensors else None
        rate = self.batch / statistics.median(self.seconds)
        compiled = getattr(self.run, "compile_seconds", {}).get(self.batch)
        if compiled is not None:  # a compiling peer: its compile time at this batch, not counted in the rate
            self.note = f"{self.note}; " if self.note else ""
            self.note += f"compile {compiled:.1f} s"
        state = state_bytes(self.workload.n_qubits, self.batch, self.workload.dtype)
        return Measurement(
            self.peer,
            self.workload.n_qubits,
            self.workload.dtype_name,
            rate,
            tuple(self.seconds),
            self.batch,
            max(peak, 0),
            tensor_peak,
            state,
            self.note,
        )


def median_round(rounds: list[Measurement]) -> Measurement:
    """One measurement from the rounds of the same one: the round of median samples/s, with every
    round's samples/s, timed steps and pair ratios, and the largest peaks. Failed rounds are left out,
    unless all failed."""
    done = sorted((m for m in rounds if m.samples_per_s), key=lambda m: m.samples_per_s)
    if not done:
        return rounds[0]
    middle = done[(len(done) - 1) // 2]  # the lower middle for an even count: a round that was measured
    tensor_peaks = [m.tensor_peak_bytes for m in done if m.tensor_peak_bytes is not None]
    return replace(
        middle,
        round_rates=tuple(m.samples_per_s for m in rounds),
        seconds=tuple(s for m in rounds for s in m.seconds),
        pair_ratios=tuple(r for m in rounds for r in m.pair_ratios),
        peak_bytes=max(m.peak_bytes for m in done),
        tensor_peak_bytes=max(tensor_peaks) if tensor_peaks else None,
    )


def _fit(batch: int, repeats: int, one_sample: float, time_limit: float) -> tuple[int, int, str]:
    """The batch and repeats whose `2 + repeats` steps fit in `time_limit`, and a note if they shrank."""
    if (2 + repeats) * batch * one_sample <= time_limit:
        return batch, repeats, ""
    fitted = max(1, min(batch, int(time_limit / ((2 + repeats) * max(one_sample, 1e-9)))))
    if fitted == 1:
        repeats = max(1, min(repeats, int(time_limit / max(one_sample, 1e-9)) - 2))
    return fitted, repeats, f"batch {fitted} of {batch}, {repeats} repeats (time limit)"


def steps_per_turn(step_seconds: float) -> int:
    """How many steps of about `step_seconds` a turn times together: enough to fill `TURN_SECONDS`."""
    return max(1, min(MAX_STEPS_PER_TURN, int(TURN_SECONDS / max(step_seconds, 1e-9))))


def _timed(step, x: torch.Tensor, sync, steps: int = 1) -> float:
    """Seconds for `steps` steps one after another."""
    start = time.perf_counter()
    for _ in range(steps):
        step(x)
    sync()
    return time.perf_counter() - start


def _synchronizer(device: str):
    if device.startswith("cuda"):
        return torch.cuda.synchronize
    return lambda: None


def _tensor_peak(step, x: torch.Tensor, device: str) -> int:
    """Peak bytes of torch's live allocations during one step, above those held before it."""
    from qnn.simulator import release_workspace

    release_workspace()  # kept scratch tensors are then allocated, and counted, within the step
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
