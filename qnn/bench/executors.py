"""Where the fits of a sweep run: in this process, in local worker processes, or on a Ray cluster.

Every executor has `map_unordered(fn, items)`, yielding `(item, fn(item))` pairs as they finish, so the sweep can
commit each result the moment it arrives. `fn` and the items must be picklable for the process and Ray executors.
Items are drawn from the iterable only as workers free up (a few ahead of them), so the sweep can claim each fit
just before it starts.

Example:
    >>> [result for _, result in SerialExecutor().map_unordered(abs, [-1, 2])]
    [1, 2]
"""

from __future__ import annotations

import itertools
import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any


class SerialExecutor:
    """Runs every item in this process, in order."""

    def map_unordered(self, fn: Callable, items: Iterable) -> Iterator[tuple[Any, Any]]:
        for item in items:
            yield item, fn(item)

    def close(self) -> None:
        pass


def _one_thread_per_worker() -> None:
    # N workers each using every core would oversubscribe the machine; one thread each uses it exactly once.
    import torch

    torch.set_num_threads(1)


class ProcessExecutor:
    """Runs items in `n_jobs` fresh worker processes (spawned, so no torch state is forked)."""

    def __init__(self, n_jobs: int):
        if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs < 1:
            raise ValueError(f"n_jobs must be a positive integer, got {n_jobs!r}")
        self.n_jobs = n_jobs
        self._pool = None

    def map_unordered(self, fn: Callable, items: Iterable) -> Iterator[tuple[Any, Any]]:
        if self._pool is None:
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(self.n_jobs, mp_context=context, initializer=_one_thread_per_worker)
        items, pending = iter(items), {}
        try:
            while True:
                for item in itertools.islice(items, 2 * self.n_jobs - len(pending)):
                    pending[self._pool.submit(fn, item)] = item
                if not pending:
                    return
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield pending.pop(future), future.result()
        finally:
            for future in pending:  # the caller stopped early (an error, or Ctrl-C): drop what has not started
                future.cancel()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class RayExecutor:
    """Runs items as Ray tasks on the cluster at `address` ("auto": the running cluster, "local": a new one on this
    machine, None: whatever `ray.init` finds or starts). Every node needs qnn installed."""

    def __init__(self, address: str | None = "auto", num_cpus: int | None = None):
        self.address = address
        self.num_cpus = num_cpus

    def map_unordered(self, fn: Callable, items: Iterable) -> Iterator[tuple[Any, Any]]:
        import ray

        if not ray.is_initialized():
            ray.init(address=self.address, num_cpus=self.num_cpus, log_to_driver=False, include_dashboard=False)
        remote = ray.remote(num_cpus=1)(_call)  # a plain function: Ray cannot decorate a functools.partial
        ahead = 2 * max(1, int(ray.cluster_resources().get("CPU", 1)))
        items, pending = iter(items), {}
        try:
            while True:
                for item in itertools.islice(items, ahead - len(pending)):
                    pending[remote.remote(fn, item)] = item
                if not pending:
                    return
                done, _ = ray.wait(list(pending), num_returns=1)
                for ref in done:
                    yield pending.pop(ref), ray.get(ref)
        finally:
            for ref in pending:
                ray.cancel(ref)

    def close(self) -> None:
        pass  # the cluster outlives the sweep; ray.shutdown() is the caller's choice


def _call(fn: Callable, item):
    return fn(item)


def make_executor(name: str = "local", n_jobs: int = 1, address: str | None = None):
    """The executor a CLI name stands for: "local" (serial when n_jobs is 1, else processes) or "ray"."""
    if name == "local":
        return SerialExecutor() if n_jobs == 1 else ProcessExecutor(n_jobs)
    if name == "ray":
        return RayExecutor(address or "auto")
    raise ValueError(f"executor must be 'local' or 'ray', got {name!r}")
