"""What a paying user controls on `IBMBackend`: where jobs go, their options, the connection, the budget."""

import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from qiskit_ibm_runtime.fake_provider import FakeLimaV2, FakeManilaV2

import circuits
from qnn import QuantumLayer
from qnn.backends import FakeBackend, IBMBackend
from qnn.hardware import CostLimitError, JobJournal, RuntimeOptions
from qnn.hardware.executors import _close_open_modes
from qnn.hardware.recovery import job_status
from tests.qnn.hardware.standin import StandInService

ROOT = Path(__file__).resolve().parents[3]
CIRCUIT = circuits.angle_encoding(2, rotation="Y") + circuits.basic_entangler(2, n_layers=1, rotation="Y")
X = torch.tensor([[0.1, 0.2], [0.4, -0.3]])


def layer_on(backend, observables=None, shots=None):
    layer = QuantumLayer(CIRCUIT, observables, backend=backend, shots=shots)
    with torch.no_grad():
        layer.weights.copy_(torch.tensor([0.3, 1.2]))
    return layer


def ibm(tmp_path, options=None, device="ibm_test", journal=None, **kwargs):
    service = StandInService(tmp_path / "service", **kwargs)
    journal = journal or JobJournal(tmp_path / "jobs.sqlite")
    return service, IBMBackend(device, options, journal=journal, api=service.api())


def test_least_busy_jobs_are_found_again_on_the_device_they_went_to(tmp_path):
    service, backend = ibm(tmp_path, device="least_busy", least_busy=[FakeManilaV2()])
    with torch.no_grad():
        first = layer_on(backend)(X)
    (record,) = backend.journal.list()
    assert record.requested == "ibm:least_busy" and record.backend == "ibm:fake_manila"
    # Another process later: a different device is least busy now; the journal answers without asking.
    later = StandInService(tmp_path / "service", least_busy=[FakeLimaV2()])
    rerun_backend = IBMBackend("least_busy", journal=JobJournal(tmp_path / "jobs.sqlite"), api=later.api())
    with torch.no_grad():
        again = layer_on(rerun_backend)(X)
    torch.testing.assert_close(again, first)
    assert rerun_backend.n_jobs == 0 and not later.submitted
    assert not [entry for entry in later.log if entry[0] == "least_busy"]


def test_options_that_ran_are_recorded_and_raise_no_warning(tmp_path):
    options = RuntimeOptions(max_execution_time=300, job_tags=("thesis", "run-7"))
    service, backend = ibm(tmp_path, options)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with torch.no_grad():
            layer_on(backend)(X)
    sent = service.submitted[0]["options"]
    assert sent["max_execution_time"] == 300 and sent["environment"] == {"job_tags": ["thesis", "run-7"]}
    recorded = backend.journal.list()[0].options
    # Level 1 mitigation (TREX) twirls measurements: the record says what ran, not only what was asked.
    assert recorded["twirling"]["enable_measure"] is True and recorded["resilience"]["measure_mitigation"] is True
    assert recorded["environment"]["job_tags"] == ["thesis", "run-7"] and recorded["mode"] == "job"


def test_default_options_run_on_a_fake_device_without_warnings():
    backend = FakeBackend("manila", RuntimeOptions(max_qpu_seconds=1e4))  # level 1: TREX runs locally too
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with torch.no_grad():
            values = layer_on(backend, shots=200)(X)
    assert values.shape == (2, 2) and backend.n_jobs == 1


@pytest.mark.parametrize("mode", ["batch", "session"])
def test_context_manager_closes_the_batch_or_session_with_its_max_time(tmp_path, mode):
    service, backend = ibm(tmp_path, RuntimeOptions(mode=mode, session_max_time="2h"))
    with backend, torch.no_grad():
        layer_on(backend)(X)
    assert [e for e in service.log if e[0] in ("open", "close")] == [("open", mode, "2h"), ("close", mode)]


def test_open_sessions_are_closed_at_exit(tmp_path):
    service, backend = ibm(tmp_path, RuntimeOptions(mode="session"))
    with torch.no_grad():
        layer_on(backend)(X)
    _close_open_modes()  # what the interpreter runs at exit
    assert ("close", "session") in service.log
    backend.close()  # closing again does nothing
    assert service.log.count(("close", "session")) == 1


def test_service_channel_and_instance_reach_the_connection(tmp_path, monkeypatch):
    service = StandInService(tmp_path / "service")
    backend = IBMBackend("ibm_test", journal=JobJournal(tmp_path / "jobs.sqlite"), service=service)
    assert backend.runner_for(2).executor.service is service
    seen = {}

    class Recorder:
        def __init__(self, **kwargs):
            seen.update(kwargs)

    monkeypatch.setattr("qiskit_ibm_runtime.QiskitRuntimeService", Recorder)
    connected = IBMBackend("ibm_test", channel="ibm_quantum_platform", instance="crn:abc", journal=backend.journal)
    assert isinstance(connected.runner_for(2).executor.service, Recorder)
    assert seen == {"channel": "ibm_quantum_platform", "instance": "crn:abc"}
    with pytest.raises(ValueError, match="either service or channel/instance"):
        IBMBackend("ibm_test", service=service, instance="crn:abc")


def test_qpu_seconds_are_refreshed_once_ibm_has_computed_them(tmp_path):
    service, backend = ibm(tmp_path, usage_delay=1)  # IBM reports 0 s right after the job
    with torch.no_grad():
        layer_on(backend)(X)
    (record,) = backend.journal.list()
    assert record.status == "DONE" and record.qpu_seconds is None
    refreshed = job_status(backend.journal, record.job_id, service)
    assert refreshed.qpu_seconds == 1.5


BUDGET_STEP = """
import sys, torch, circuits
from qnn import QuantumLayer
from qnn.backends import IBMBackend
from qnn.hardware import CostLimitError, JobJournal, RuntimeOptions
from tests.qnn.hardware.standin import StandInService
options = RuntimeOptions(shots=1000, budget="thesis", max_qpu_seconds=5.0, job_overhead_seconds=2.0)
backend = IBMBackend("ibm_test", options, journal=JobJournal(sys.argv[2]), api=StandInService(sys.argv[1]).api())
layer = QuantumLayer(circuits.angle_encoding(2), backend=backend)
try:
    with torch.no_grad():
        layer(torch.full((1, 2), float(sys.argv[3])))
    print("submitted")
except CostLimitError as error:
    print("refused:", error)
"""


def test_a_named_budget_spans_processes(tmp_path):
    journal = tmp_path / "jobs.sqlite"

    def step(x):
        command = [sys.executable, "-c", BUDGET_STEP, str(tmp_path / "service"), str(journal), str(x)]
        return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120).stdout.strip()

    # Each job is estimated at 1 circuit × 1000 shots × 3e-4 s + 2 s = 2.3 s; the budget is 5 s.
    assert step(0.1) == "submitted"
    assert step(0.2) == "submitted"
    refused = step(0.3)
    # IBM's 1.5 s per job (the stand-in's figure) replaced the 2.3 s estimates: 3.0 + 2.3 > 5.
    assert refused.startswith(
        "refused: refusing to submit: ≈ 2.3 QPU seconds, with 3.0 s already used by budget 'thesis'"
    )
    assert JobJournal(journal).spent("thesis") == pytest.approx(2 * 1.5)  # IBM's figures replaced the estimates


def test_cost_guard_rehearses_the_budget_on_a_fake_device():
    backend = FakeBackend("manila", RuntimeOptions(resilience_level=0, shots=4000, max_qpu_seconds=10))
    with pytest.raises(CostLimitError, match="circuits × 4000 shots"):
        layer_on(backend)(torch.rand(8, 2)).sum().backward()
    assert backend.n_jobs == 0


LOCAL_STEP = """
import os, sys, threading, torch, circuits
from qnn import QuantumLayer
from qnn.backends import FakeBackend
from qnn.hardware import JobJournal, RuntimeOptions
from qnn.hardware import runner
journal = JobJournal(sys.argv[1])
def die_while_waiting(self, job, job_id, sampled):
    print("submitted", flush=True)
    os._exit(3)  # the process is killed while its local job runs
runner.HardwareRunner._wait = die_while_waiting
backend = FakeBackend("manila", RuntimeOptions(resilience_level=0), journal=journal)
QuantumLayer(circuits.angle_encoding(2), backend=backend, shots=100)(torch.zeros(1, 2))
"""


def test_local_jobs_of_a_killed_process_are_marked_lost(tmp_path):
    path = tmp_path / "jobs.sqlite"
    done = subprocess.run([sys.executable, "-c", LOCAL_STEP, str(path)], cwd=ROOT, capture_output=True, timeout=120)
    assert done.returncode == 3 and b"submitted" in done.stdout
    (record,) = JobJournal(path).list()
    assert record.status == "LOST" and "ended before it finished" in record.error
    assert record.backend == "fake:manila" and record.owner.endswith(f":{record.owner.rpartition(':')[2]}")


def test_probabilities_come_from_the_sampler(tmp_path):
    service, backend = ibm(tmp_path, RuntimeOptions(shots=4000))
    layer = layer_on(backend, observables="probs")
    exact = layer_on("simulator", observables="probs")(X).detach()
    values = layer(X)
    values[:, 0].sum().backward()  # parameter shift on sampled probabilities
    assert [s.get("primitive") for s in service.submitted] == ["sampler"]
    assert service.submitted[0]["parameters_shape"][0] == 2 * (1 + 2 * 2)  # forward and ± shifts, one job
    torch.testing.assert_close(values.detach(), exact, atol=0.04, rtol=0)
    torch.testing.assert_close(values.sum(1), torch.ones(2), atol=1e-6, rtol=0)
    assert layer.weights.grad is not None and layer.weights.grad.abs().sum() > 0


def test_counts_come_from_the_sampler_on_hardware_and_from_exact_probabilities_elsewhere(tmp_path):
    service, backend = ibm(tmp_path)
    counts = layer_on(backend).counts(X, shots=3000)
    assert counts.shape == (2, 4) and counts.dtype == torch.int64 and (counts.sum(1) == 3000).all()
    assert service.submitted[-1]["primitive"] == "sampler"
    exact = layer_on("simulator", observables="probs")(X).detach()
    np.testing.assert_allclose(counts.numpy() / 3000, exact.numpy(), atol=0.04)
    simulated = layer_on("simulator").counts(X, shots=3000)
    np.testing.assert_allclose(simulated.numpy() / 3000, exact.numpy(), atol=0.04)
    fake = layer_on(FakeBackend("manila", RuntimeOptions(resilience_level=0))).counts(X[0], shots=500)
    assert fake.shape == (4,) and fake.sum() == 500


def test_a_missing_account_is_one_clear_error(tmp_path):
    from qiskit_ibm_runtime.accounts import AccountNotFoundError

    from qnn.hardware.executors import NoAccountError, RuntimeApi

    def no_account():
        raise AccountNotFoundError("Unable to find account.")

    api = RuntimeApi(service=no_account, estimator=None, batch=None, session=None)
    backend = IBMBackend("ibm_test", journal=JobJournal(tmp_path / "jobs.sqlite"), api=api)
    with pytest.raises(NoAccountError, match=r"no IBM Quantum account .*save_account"):
        layer_on(backend)(X)
