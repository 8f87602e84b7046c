"""Recover jobs from the journal after the process that submitted them has gone: status and results.

Example:
    >>> from qnn.hardware import JobJournal
    >>> record = fetch_result(JobJournal(), "d1a2b3c4", service)  # doctest: +SKIP
    >>> record.result.shape  # (n_outputs, n_circuits)  # doctest: +SKIP
"""

from __future__ import annotations

from qnn.hardware.journal import JobJournal, JobRecord
from qnn.hardware.runner import is_sampler_job, job_values, qpu_seconds, refresh_usage, status_name

FINAL = ("DONE", "ERROR", "CANCELLED")


def job_status(journal: JobJournal, job_id: str, service=None) -> JobRecord:
    """The journal's record of `job_id`, refreshed from `service` while the job is not finished, and
    for a finished job whose QPU seconds IBM had not yet computed."""
    record = journal.get(job_id)
    if service is None or not record.backend.startswith("ibm:"):
        return record
    if record.status == "DONE" and record.qpu_seconds is None:
        refresh_usage(journal, job_id, service.job)
        return journal.get(job_id)
    if record.status in FINAL:
        return record
    job = service.job(job_id)
    status = status_name(job.status())
    if status == "DONE":
        return fetch_result(journal, job_id, service)
    error = job.error_message() if status == "ERROR" else None
    journal.record_status(job_id, status, error)
    return journal.get(job_id)


def fetch_result(journal: JobJournal, job_id: str, service=None) -> JobRecord:
    """The record of `job_id` with its result, waiting for the service to finish it if need be.

    Raises ValueError for a job that failed or that only a local simulator ran (its result died with it).
    """
    record = journal.get(job_id)
    if record.result is not None:
        return record
    if record.status in ("ERROR", "CANCELLED"):
        raise ValueError(f"job {job_id} ended with status {record.status}: {record.error or 'no reason given'}")
    if not record.backend.startswith("ibm:"):
        raise ValueError(f"job {job_id} ran locally on {record.backend}; its result was not saved, run it again")
    if service is None:
        raise ValueError(f"fetching job {job_id} needs the IBM Quantum service")
    job = service.job(job_id)
    try:
        result = job.result()
    except Exception as error:
        journal.record_status(job_id, "ERROR", job.error_message() or str(error))
        raise
    journal.record_result(job_id, job_values(result, is_sampler_job(record.options)), qpu_seconds(job))
    return journal.get(job_id)
