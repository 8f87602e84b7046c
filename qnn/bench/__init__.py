"""Benchmarks of quantum models against classical baselines: tasks, sweeps, a results database and a report.

Example:
    >>> from qnn.bench import ResultStore, SerialExecutor, presets, run_sweep
    >>> store = ResultStore("bench-out/results.sqlite")  # doctest: +SKIP
    >>> run_sweep(presets.quick(), store, SerialExecutor())  # doctest: +SKIP
"""

from qnn.bench import presets
from qnn.bench.config import ModelSpec, SweepConfig, TaskSpec, load_sweep
from qnn.bench.datasets import TASKS, Split, load_split
from qnn.bench.executors import ProcessExecutor, RayExecutor, SerialExecutor, make_executor
from qnn.bench.protocol import run_sweep
from qnn.bench.store import ResultStore, read_results

__all__ = [
    "TASKS",
    "ModelSpec",
    "ProcessExecutor",
    "RayExecutor",
    "ResultStore",
    "SerialExecutor",
    "Split",
    "SweepConfig",
    "TaskSpec",
    "load_split",
    "load_sweep",
    "make_executor",
    "presets",
    "read_results",
    "run_sweep",
]
