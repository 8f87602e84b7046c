import numpy as np
import pytest

from qnn.hardware import JobJournal, fetch_result, job_status
from tests.qnn.hardware.standin import StandInService


@pytest.fixture
def submitted(tmp_path):
    """A job submitted to the stand-in service and held in its queue, recorded in a journal."""
    service = StandInService(tmp_path / "service", hold=True)
    job = service.run("backend", {}, [(_circuit(), _observables(), np.array([[0.0], [np.pi]]))])
    journal = JobJournal(tmp_path / "jobs.sqlite")
    journal.record_submitted(job.job_id(), "k", "ibm:fake_manila", "h", np.array([[0.0], [np.pi]]), 100, {})
    return service, journal, job.job_id()


def _circuit():
    from qiskit import QuantumCircuit
    from qiskit.circuit import Parameter

    qc = QuantumCircuit(1)
    qc.rx(Parameter("t"), 0)
    return qc


def _observables():
    from qiskit.quantum_info import SparsePauliOp

    observables = np.empty((1, 1), dtype=object)  # np.array would unpack the operator
    observables[0, 0] = SparsePauliOp("Z")
    return observables


def test_status_is_refreshed_from_the_service_then_the_result_is_fetched(submitted):
    service, journal, job_id = submitted
    assert job_status(journal, job_id, service).status == "QUEUED"
    (service.directory / f"{job_id}.hold").unlink()
    record = job_status(journal, job_id, service)
    assert record.status == "DONE" and record.qpu_seconds == 1.5
    np.testing.assert_allclose(record.result, [[1.0, -1.0]], atol=1e-12)
    assert fetch_result(journal, job_id, None).result is not None  # from the journal, no service needed


def test_failed_job_says_why(tmp_path):
    service = StandInService(tmp_path / "service", fail="too many shots")
    job = service.run("backend", {}, [(_circuit(), _observables(), np.zeros((1, 1)))])
    journal = JobJournal(tmp_path / "jobs.sqlite")
    journal.record_submitted(job.job_id(), "k", "ibm:fake_manila", "h", np.zeros((1, 1)), 100, {})
    assert job_status(journal, job.job_id(), service).error == "too many shots"
    with pytest.raises(ValueError, match="ended with status ERROR: too many shots"):
        fetch_result(journal, job.job_id(), service)


def test_local_jobs_cannot_be_fetched(tmp_path):
    journal = JobJournal(tmp_path / "jobs.sqlite")
    journal.record_submitted("local", "k", "aer", "h", np.zeros((1, 1)), None, {})
    assert job_status(journal, "local", object()).status == "SUBMITTED"
    with pytest.raises(ValueError, match="ran locally on aer"):
        fetch_result(journal, "local", None)
