import subprocess
import sys

import numpy as np
import pytest

from qnn.hardware.journal import ENV_VAR, JobJournal, default_path


def test_records_a_job_from_submission_to_result(tmp_path):
    journal = JobJournal(tmp_path / "jobs.sqlite")
    params = np.arange(6.0).reshape(3, 2)
    journal.record_submitted("j1", "key-1", "ibm:ibm_test", "abcd", params, 1000, {"mode": "job"})
    record = journal.get("j1")
    assert record.status == "SUBMITTED" and record.result is None and record.options == {"mode": "job"}
    np.testing.assert_array_equal(record.parameters, params)
    assert journal.find("key-1").job_id == "j1"
    journal.record_result("j1", np.ones((2, 3)), qpu_seconds=4.5)
    record = journal.get("j1")
    assert record.status == "DONE" and record.qpu_seconds == 4.5
    np.testing.assert_array_equal(record.result, np.ones((2, 3)))
    with pytest.raises(KeyError, match="no job 'nope'"):
        journal.get("nope")


def test_failed_jobs_are_not_reused(tmp_path):
    journal = JobJournal(tmp_path / "jobs.sqlite")
    journal.record_submitted("j1", "k", "ibm:x", "h", np.zeros((1, 1)), 10, {})
    journal.record_status("j1", "ERROR", "calibration in progress")
    assert journal.find("k") is None
    assert journal.get("j1").error == "calibration in progress"


def test_path_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "elsewhere.sqlite"))
    assert default_path() == tmp_path / "elsewhere.sqlite"
    assert JobJournal().path == tmp_path / "elsewhere.sqlite"


WRITER = """
import sys
import numpy as np
from qnn.hardware.journal import JobJournal
journal = JobJournal(sys.argv[1])
for i in range(25):
    job = f"{sys.argv[2]}-{i}"
    journal.record_submitted(job, job, "fake:manila", "h", np.zeros((2, 2)), 10, {})
    journal.record_result(job, np.full((1, 2), i))
"""


def test_two_processes_write_at_once(tmp_path):
    path = tmp_path / "jobs.sqlite"
    JobJournal(path)
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), name]) for name in ("a", "b")]
    assert [w.wait(timeout=120) for w in writers] == [0, 0]
    records = JobJournal(path).list()
    assert len(records) == 50 and all(r.status == "DONE" for r in records)
    assert JobJournal(path).get("b-24").result[0, 0] == 24
