from types import SimpleNamespace

import numpy as np
import pytest
from qiskit_ibm_runtime.fake_provider import FakeManilaV2

import circuits
from qnn.hardware import (
    CostLimitError,
    HardwareJobError,
    HardwareRunner,
    IBMExecutor,
    JobJournal,
    RuntimeOptions,
    gate_angles,
)
from qnn.hardware.runner import is_transient
from qnn.observables import parse_observables
from tests.qnn.hardware.simulate import measure_angles
from tests.qnn.hardware.standin import StandInService

CIRCUIT = circuits.angle_encoding(2, rotation="Y") + circuits.basic_entangler(2, 1)
OBSERVABLES = parse_observables(["ZI", "XX"], 2)


def angles(rng, n=3):
    return rng.uniform(-np.pi, np.pi, (n, len(gate_angles(CIRCUIT, *_zeros()).T)))


def _zeros():
    import torch

    return torch.zeros(1, 2), torch.zeros(2)


def ibm_runner(tmp_path, options=None, service=None, **kwargs):
    service = service or StandInService(tmp_path / "service")
    options = options or RuntimeOptions()
    executor = IBMExecutor("ibm_test", options, service.api())
    return HardwareRunner(executor, options, JobJournal(tmp_path / "jobs.sqlite"), **kwargs), service


def test_one_job_with_exact_results_and_a_journal_entry(tmp_path, rng):
    runner, service = ibm_runner(tmp_path)
    a = angles(rng)
    values = runner.evaluate(CIRCUIT, OBSERVABLES, a, None, None)
    np.testing.assert_allclose(values, measure_angles(CIRCUIT, OBSERVABLES, a), atol=1e-6)
    assert runner.n_jobs == 1 and len(service.submitted) == 1
    (record,) = runner.journal.list()
    assert record.status == "DONE" and record.backend == "ibm:fake_manila" and record.qpu_seconds == 1.5
    assert record.shots == 1024 and record.parameters.shape == (3, 4)


def test_same_step_again_is_read_from_the_journal(tmp_path, rng):
    runner, service = ibm_runner(tmp_path)
    a = angles(rng)
    first = runner.evaluate(CIRCUIT, OBSERVABLES, a, None, None)
    again = runner.evaluate(CIRCUIT, OBSERVABLES, a, None, None)
    np.testing.assert_array_equal(first, again)
    assert runner.n_jobs == 1 and len(service.submitted) == 1
    runner.evaluate(CIRCUIT, OBSERVABLES, a + 0.1, None, None)
    assert runner.n_jobs == 2


def test_too_wide_circuit_fails_before_submission(tmp_path):
    runner, service = ibm_runner(tmp_path)
    wide = circuits.angle_encoding(6)
    with pytest.raises(ValueError, match="6 qubits but ibm:fake_manila has 5"):
        runner.evaluate(wide, parse_observables(None, 6), np.zeros((1, 6)), None, None)
    assert not service.submitted


def test_cost_guard_refuses_before_submission(tmp_path, rng):
    options = RuntimeOptions(shots=10_000, max_qpu_seconds=5.0)
    runner, service = ibm_runner(tmp_path, options)
    # ZI and XX need two measurement settings: 50 parameter sets are 100 circuits.
    with pytest.raises(CostLimitError, match=r"100 circuits × 10000 shots ≈ 302\.0 QPU seconds"):
        runner.evaluate(CIRCUIT, OBSERVABLES, angles(rng, 50), None, None)
    assert not service.submitted and runner.n_jobs == 0


def test_failed_job_reports_the_service_reason(tmp_path, rng):
    service = StandInService(tmp_path / "service", fail="the device is in maintenance")
    runner, _ = ibm_runner(tmp_path, service=service)
    with pytest.raises(HardwareJobError, match="failed: the device is in maintenance"):
        runner.evaluate(CIRCUIT, OBSERVABLES, angles(rng), None, None)
    (record,) = runner.journal.list()
    assert record.status == "ERROR" and record.error == "the device is in maintenance"


class FlakyExecutor:
    """Fails to submit with network errors `failures` times, then runs exactly."""

    is_real = False
    recoverable = False
    name = "flaky"

    def __init__(self, failures, error=ConnectionResetError):
        self.target = FakeManilaV2()
        self.failures, self.error, self.calls = failures, error, 0

    def options_record(self, shots, seed):
        return {}

    def submit(self, pub, shots, seed):
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error("connection reset by peer")
        from qiskit.primitives import StatevectorEstimator

        result = StatevectorEstimator().run([pub]).result()
        return SimpleNamespace(job_id=lambda: "local", result=lambda: result, usage=lambda: None)


def test_network_errors_are_retried_with_backoff_then_reported(rng):
    waits = []
    runner = HardwareRunner(FlakyExecutor(2), retries=3, sleep=waits.append)
    a = angles(rng)
    np.testing.assert_allclose(
        runner.evaluate(CIRCUIT, OBSERVABLES, a, None, None), measure_angles(CIRCUIT, OBSERVABLES, a), atol=1e-6
    )
    assert waits == [1.0, 2.0]
    failing = HardwareRunner(FlakyExecutor(10), retries=2, sleep=waits.append)
    with pytest.raises(ConnectionError, match="submitting failed after 3 attempts"):
        failing.evaluate(CIRCUIT, OBSERVABLES, a, None, None)


def test_other_errors_are_not_retried(rng):
    executor = FlakyExecutor(1, error=ValueError)
    with pytest.raises(ValueError, match="connection reset"):
        HardwareRunner(executor, sleep=lambda s: None).evaluate(CIRCUIT, OBSERVABLES, angles(rng), None, None)
    assert executor.calls == 1
    assert is_transient(TimeoutError()) and not is_transient(KeyError())


class QueuedJob:
    """Queued twice, then running, then done."""

    def __init__(self, result):
        self.statuses = ["QUEUED", "QUEUED", "RUNNING", "DONE"]
        self._result = result

    def status(self):
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]

    def result(self):
        assert self.statuses == ["DONE"], "result() before the job finished"
        return self._result


def test_progress_polls_the_status_until_the_job_is_final(rng, capsys):
    from qiskit.primitives import StatevectorEstimator

    class QueuedExecutor(FlakyExecutor):
        def submit(self, pub, shots, seed):
            job = QueuedJob(StatevectorEstimator().run([pub]).result())
            job.job_id = lambda: "queued-1"
            return job

    waits = []
    runner = HardwareRunner(QueuedExecutor(0), sleep=waits.append, progress=True, poll_seconds=7.0)
    a = angles(rng)
    np.testing.assert_allclose(
        runner.evaluate(CIRCUIT, OBSERVABLES, a, None, None), measure_angles(CIRCUIT, OBSERVABLES, a), atol=1e-6
    )
    assert waits == [7.0, 7.0, 7.0]
    assert "job queued-1" in capsys.readouterr().err
