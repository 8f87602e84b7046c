import functools

import pytest

from qnn.bench.config import TaskSpec
from qnn.bench.executors import ProcessExecutor, RayExecutor, SerialExecutor, make_executor
from qnn.bench.jobs import Job, run_job

TASK = TaskSpec("linearly_separable", (3,), n_samples=40)


def _jobs(n: int) -> list[Job]:
    return [
        Job(TASK, 3, "LogisticRegression", "classical", "LogisticRegression",
            "sklearn.linear_model:LogisticRegression", {"C": 0.5 + k}, seed=k)
        for k in range(n)
    ]  # fmt: skip


# The CPU-time energy estimate: no energy library to start in each worker.
FIT = functools.partial(run_job, power_watts=10.0)


def _by_key(executor, jobs):
    return {job.key: row["test_accuracy"] for job, row in executor.map_unordered(FIT, jobs)}


def test_serial_executor_is_the_reference():
    jobs = _jobs(3)
    results = _by_key(SerialExecutor(), jobs)
    assert results == {job.key: FIT(job)["test_accuracy"] for job in jobs}


def test_process_executor_gives_the_serial_results():
    jobs = _jobs(3)
    executor = ProcessExecutor(2)
    try:
        assert _by_key(executor, jobs) == _by_key(SerialExecutor(), jobs)
    finally:
        executor.close()


def test_ray_executor_on_a_local_instance():
    ray = pytest.importorskip("ray")
    jobs = _jobs(2)
    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False)
    try:
        assert _by_key(RayExecutor(address=None), jobs) == _by_key(SerialExecutor(), jobs)
    finally:
        ray.shutdown()


def test_make_executor():
    assert isinstance(make_executor("local", 1), SerialExecutor)
    assert isinstance(make_executor("local", 2), ProcessExecutor)
    assert isinstance(make_executor("ray", address="local"), RayExecutor)
    with pytest.raises(ValueError, match="executor must be"):
        make_executor("slurm")
    with pytest.raises(ValueError, match="n_jobs"):
        ProcessExecutor(0)
