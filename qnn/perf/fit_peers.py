"""qnn's training step of each bench model beside the PennyLane + JAX peer of the same model (`qnn perf --fits`).

Both start from the same parameters (the peer is built from qnn's model, `qnn.perf.peers.from_qnn`) and train
on MNIST PCA with the paper's hyperparameters. They take turns: in each turn qnn runs `block` steps of its
own training loop (`qnn.training.train`) and the peer `block` steps of its `jax.jit`-compiled step
(`qnn.perf.peers.training`), in alternating order, after one untimed warm-up turn. The peer runs in a process
of its own, where XLA is held to the same number of threads as torch; its compile time (its first step) is
kept apart. peer/qnn is the median over the turns of the peer's time over qnn's in the same turn; the fit
times are ms per step × the steps of qnn's whole fit, for both.

Example:
    >>> [c.model for c in compare_steps({"SeparableVariationalClassifier": 1690}, turns=1)]  # doctest: +SKIP
    ['SeparableVariationalClassifier']
"""

from __future__ import annotations

import importlib.util
import multiprocessing as mp
import statistics
import time
from dataclasses import dataclass, replace

import numpy as np
import torch

from qnn.perf.peers.xla import xla_threads
from qnn.threads import intra_op_threads

PEER_MODULES = ("jax", "pennylane")


@dataclass(frozen=True)
class StepComparison:
    model: str
    steps: int  # the steps of a whole fit (qnn's), by which both fit times are counted
    block: int  # steps timed per turn
    qnn_seconds: tuple[float, ...] = ()  # each turn's `block` steps
    peer_seconds: tuple[float, ...] = ()
    compile_seconds: float | None = None  # the peer's first step, compilation included
    note: str = ""  # why the peer did not run

    @property
    def ratio(self) -> float | None:
        """The peer's time over qnn's: the median over the turns."""
        pairs = [p / q for p, q in zip(self.peer_seconds, self.qnn_seconds, strict=False)]
        return statistics.median(pairs) if pairs else None

    @property
    def qnn_ms_per_step(self) -> float:
        return 1e3 * statistics.median(self.qnn_seconds) / self.block

    @property
    def peer_ms_per_step(self) -> float | None:
        return 1e3 * statistics.median(self.peer_seconds) / self.block if self.peer_seconds else None


def peer_unavailable() -> str | None:
    """Why the peers cannot run here (a missing module), or None."""
    absent = [m for m in PEER_MODULES if importlib.util.find_spec(m) is None]
    return f"not installed ({', '.join(absent)})" if absent else None


def compare_steps(
    steps: dict[str, int], turns: int = 5, block: int = 50, threads: int = 1, seed: int = 0, progress=None
) -> list[StepComparison]:
    """For each model in `steps` (model -> the steps of its whole fit), qnn's and the peer's training steps,
    `turns` timed turns of `block` steps each; `progress(model)` is called before each model."""
    from qnn.bench.datasets import load_split
    from qnn.perf.fits import paper_rows

    rows = paper_rows(list(steps))
    split = load_split("mnist_pca", 10, n_samples=None)
    missing = peer_unavailable()
    with intra_op_threads(threads):  # the layers pick their own; this holds the rest of the step
        results = []
        for model, row in rows.items():
            if progress is not None:
                progress(model)
            comparison = StepComparison(model, steps[model], block)
            if missing:
                results.append(replace(comparison, note=missing))
                continue
            results.append(_compare(comparison, row, split, turns, threads, seed))
        return results


def _compare(comparison: StepComparison, row, split, turns: int, threads: int, seed: int) -> StepComparison:
    from qnn.perf.fits import paper_estimator
    from qnn.perf.peers.from_qnn import peer_spec
    from qnn.training import train

    block = comparison.block
    estimator = paper_estimator(comparison.model, row, seed, max_steps=1).fit(split.X_train, split.y_train)
    config = replace(estimator._train_config(), max_steps=block)
    loss_fn = estimator._loss_fn()  # the estimator's own loss, as its fit uses
    X = torch.tensor(split.X_train, dtype=torch.float32)
    y = torch.as_tensor(np.unique(split.y_train, return_inverse=True)[1], dtype=torch.long)
    generator = torch.Generator().manual_seed(seed)

    def qnn_block() -> float:
        start = time.perf_counter()
        train(estimator.model_, X, y, config, loss_fn=loss_fn, generator=generator)
        return time.perf_counter() - start

    peer = _PeerProcess(peer_spec(estimator), split.X_train, y.numpy(), estimator.learning_rate, threads, seed)
    try:
        if peer.failure:
            return replace(comparison, note=peer.failure)
        qnn_times, peer_times = [], []
        for turn in range(1 + turns):  # a warm-up turn, then the timed ones
            order = [(qnn_block, qnn_times), (lambda: peer.run(block), peer_times)]
            for run, times in order if turn % 2 == 0 else order[::-1]:
                seconds = run()
                if seconds is None:  # the peer failed; say why instead of a figure
                    return replace(comparison, note=peer.failure)
                if turn > 0:
                    times.append(seconds)
        return replace(
            comparison,
            qnn_seconds=tuple(qnn_times),
            peer_seconds=tuple(peer_times),
            compile_seconds=peer.compile_seconds,
        )  # fmt: skip
    finally:
        peer.close()


class _PeerProcess:
    """A `PeerTrainer` in a child process: compiled when created, `run(steps)` returns seconds."""

    def __init__(self, spec, X, y, learning_rate: float, threads: int, seed: int):
        context = mp.get_context("spawn")
        self.connection, child_end = context.Pipe()
        self.process = context.Process(
            target=_serve, args=(child_end, spec, X, y, learning_rate, seed), daemon=True
        )  # fmt: skip
        with xla_threads(threads):
            self.process.start()
        child_end.close()
        self.failure: str | None = None
        self.compile_seconds = self._answer()

    def run(self, steps: int) -> float | None:
        """Seconds for `steps` steps; None if the peer failed (`failure` says why)."""
        self.connection.send(steps)
        return self._answer()

    def close(self) -> None:
        if self.failure is None:
            self.connection.send(None)
        self.process.join(10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()

    def _answer(self):
        try:
            kind, value = self.connection.recv()
        except EOFError:
            self.process.join(5)
            kind, value = "failed", f"its process ended with exit code {self.process.exitcode}"
        if kind == "failed":
            self.failure = f"failed: {value}"
            return None
        return value


def _serve(connection, spec, X, y, learning_rate: float, seed: int) -> None:
    import warnings

    try:
        from qnn.perf.peers.training import PeerTrainer

        with warnings.catch_warnings():
            # default.qubit asks for a complex128 state; in single precision JAX keeps complex64, as wanted.
            warnings.filterwarnings("ignore", message="Explicitly requested dtype complex128")
            trainer = PeerTrainer(spec.build(), spec.params, X, y, learning_rate, seed=seed)
        connection.send(("ready", trainer.compile_seconds))
        while (steps := connection.recv()) is not None:
            connection.send(("ran", trainer.run(steps)))
    except Exception as error:  # tell the parent what failed instead of leaving it waiting
        connection.send(("failed", f"{type(error).__name__}: {error}"))
    connection.close()


def format_comparison(results: list[StepComparison]) -> str:
    """One line per model: peer/qnn first, ms per step of each, the fit time of each, the peer's compile time."""
    lines = [
        f"{'model':<34} {'peer/qnn':>8} {'qnn ms':>7} {'peer ms':>8} {'steps':>6} {'qnn fit s':>9} "
        f"{'peer fit s':>10} {'peer compile s':>14}"
    ]
    for r in results:
        if r.ratio is None:
            lines.append(f"{r.model:<34} {'-':>8} peer skipped: {r.note}")
            continue
        qnn_fit, peer_fit = r.qnn_ms_per_step * r.steps / 1e3, r.peer_ms_per_step * r.steps / 1e3
        lines.append(
            f"{r.model:<34} {r.ratio:>7.1f}x {r.qnn_ms_per_step:>7.2f} {r.peer_ms_per_step:>8.2f} {r.steps:>6} "
            f"{qnn_fit:>9.1f} {peer_fit:>10.1f} {r.compile_seconds:>14.1f}"
        )
    return "\n".join(lines)
