"""`qnn jobs`: a run killed while waiting for IBM Quantum is recovered, and a re-run does not pay again."""

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

import circuits
from qnn import QuantumLayer
from qnn.backends import IBMBackend
from qnn.cli import main
from qnn.hardware import JobJournal
from tests.qnn.hardware.standin import StandInService

ROOT = Path(__file__).resolve().parents[3]

# One evaluation step on "IBM hardware" (the stand-in), whose job stays queued until the test releases it.
STEP = """
import sys
import torch
import circuits
from qnn import QuantumLayer
from qnn.backends import IBMBackend
from qnn.hardware import JobJournal
from tests.qnn.hardware.standin import StandInService

service = StandInService(sys.argv[1], hold=True)
backend = IBMBackend("ibm_test", journal=JobJournal(sys.argv[2]), api=service.api())
layer = QuantumLayer(circuits.angle_encoding(2) + circuits.basic_entangler(2, 1), backend=backend, init=(0.5, 0.6))
with torch.no_grad():
    layer.weights.copy_(torch.tensor([0.3, 1.2]))
    layer(torch.tensor([[0.1, 0.2], [0.4, -0.3]]))
print("finished")
"""


def step_layer(backend):
    layer = QuantumLayer(circuits.angle_encoding(2) + circuits.basic_entangler(2, 1), backend=backend)
    with torch.no_grad():
        layer.weights.copy_(torch.tensor([0.3, 1.2]))
    return layer


def wait_for_a_job(journal_path: Path, process, timeout=120.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if journal_path.exists() and (records := JobJournal(journal_path).list()):
            return records[0].job_id
        assert process.poll() is None, "the step ended before submitting"
        time.sleep(0.1)
    raise AssertionError("no job was submitted")


@pytest.fixture
def killed_run(tmp_path, monkeypatch):
    """A step killed while its job waits in the queue; returns (service, journal path, job id)."""
    service_dir, journal_path = tmp_path / "service", tmp_path / "jobs.sqlite"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-c", STEP, str(service_dir), str(journal_path)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        job_id = wait_for_a_job(journal_path, process)
    finally:
        process.kill()
    process.wait(timeout=30)
    service = StandInService(service_dir)
    monkeypatch.setattr("qnn.commands.jobs.connect_service", lambda channel=None, instance=None: service)
    return service, journal_path, job_id


def test_killed_run_is_recovered_by_fetch_and_reused_by_a_rerun(killed_run, capsys):
    service, journal_path, job_id = killed_run
    assert JobJournal(journal_path).get(job_id).status == "SUBMITTED"

    assert main(["jobs", "--journal", str(journal_path), "status", job_id]) == 0
    assert "QUEUED" in capsys.readouterr().out
    (service.directory / f"{job_id}.hold").unlink()  # the queue moves on
    assert main(["jobs", "--journal", str(journal_path), "fetch", job_id]) == 0
    assert "DONE, result of shape (2, 2)" in capsys.readouterr().out
    record = JobJournal(journal_path).get(job_id)
    assert record.status == "DONE" and record.result.shape == (2, 2)

    # The same step again: found in the journal, nothing submitted.
    backend = IBMBackend("ibm_test", journal=JobJournal(journal_path), api=service.api())
    x = torch.tensor([[0.1, 0.2], [0.4, -0.3]])
    with torch.no_grad():
        rerun = step_layer(backend)(x)
    assert backend.n_jobs == 0 and not service.submitted
    np.testing.assert_allclose(rerun.numpy(), record.result.T, atol=1e-6)
    exact = step_layer("simulator")(x).detach()
    torch.testing.assert_close(rerun, exact, atol=1e-5, rtol=0)


def test_rerun_waits_for_an_unfinished_job_instead_of_resubmitting(killed_run):
    service, journal_path, job_id = killed_run
    (service.directory / f"{job_id}.hold").unlink()
    backend = IBMBackend("ibm_test", journal=JobJournal(journal_path), api=service.api())
    with torch.no_grad():
        step_layer(backend)(torch.tensor([[0.1, 0.2], [0.4, -0.3]]))
    assert backend.n_jobs == 0 and not service.submitted
    assert ("job", job_id) in service.log
    assert JobJournal(journal_path).get(job_id).status == "DONE"


def test_list_shows_the_jobs(tmp_path, capsys):
    journal = JobJournal(tmp_path / "jobs.sqlite")
    journal.record_submitted("job-a", "k", "ibm:ibm_test", "h", np.zeros((6, 4)), 1000, {})
    journal.record_result("job-a", np.zeros((2, 6)), qpu_seconds=3.25)
    assert main(["jobs", "--journal", str(journal.path), "list"]) == 0
    line = capsys.readouterr().out.splitlines()[1]
    assert line.split()[:6] == ["job-a", "ibm:ibm_test", "DONE", "6", "1000", "3.2"]


def test_unknown_and_local_jobs_are_explained(tmp_path, capsys):
    journal = JobJournal(tmp_path / "jobs.sqlite")
    journal.record_submitted("local-1", "k", "fake:manila", "h", np.zeros((1, 2)), 100, {})
    assert main(["jobs", "--journal", str(journal.path), "fetch", "nope"]) == 1
    assert "no job 'nope'" in capsys.readouterr().out
    assert main(["jobs", "--journal", str(journal.path), "fetch", "local-1"]) == 1
    assert "ran locally on fake:manila" in capsys.readouterr().out


def test_fetch_saves_the_result(tmp_path):
    journal = JobJournal(tmp_path / "jobs.sqlite")
    journal.record_submitted("j", "k", "ibm:x", "h", np.zeros((3, 1)), 100, {})
    journal.record_result("j", np.arange(6.0).reshape(2, 3))
    assert main(["jobs", "--journal", str(journal.path), "fetch", "j", "--output", str(tmp_path / "r.npy")]) == 0
    np.testing.assert_array_equal(np.load(tmp_path / "r.npy"), np.arange(6.0).reshape(2, 3))


def test_journal_option_defaults_to_the_environment(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("QNN_JOB_JOURNAL", str(tmp_path / "env.sqlite"))
    JobJournal().record_submitted("from-env", "k", "ibm:x", "h", np.zeros((1, 1)), 1, {})
    assert main(["jobs", "list"]) == 0
    assert "from-env" in capsys.readouterr().out


def test_a_missing_journal_is_reported_not_created(tmp_path, capsys):
    path = tmp_path / "typo.sqlite"
    assert main(["jobs", "--journal", str(path), "list"]) == 1
    assert "no job journal at" in capsys.readouterr().err
    assert not path.exists()


def test_channel_and_instance_reach_the_service(killed_run, monkeypatch, capsys):
    service, journal_path, job_id = killed_run
    seen = []
    monkeypatch.setattr(
        "qnn.commands.jobs.connect_service",
        lambda channel=None, instance=None: seen.append((channel, instance)) or service,
    )
    args = ["jobs", "--journal", str(journal_path), "--channel", "ibm_cloud", "--instance", "crn:x", "status", job_id]
    assert main(args) == 0
    assert seen == [("ibm_cloud", "crn:x")] and "QUEUED" in capsys.readouterr().out
