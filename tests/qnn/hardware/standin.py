"""A stand-in for IBM Quantum at the service boundary: it records what is submitted and computes exact results.

`StandInService` plays `QiskitRuntimeService` (backend lookup, `job(id)`), `StandInEstimator` plays
`EstimatorV2`: it records the mode, the options and the shapes of each PUB, evaluates the PUB exactly
with Qiskit's `StatevectorEstimator` and keeps the result in a directory, so that another process
can fetch the job by id. While the file `<job id>.hold` exists, `result()` blocks, like a job in a queue.
"""

from __future__ import annotations

import itertools
import json
import os
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from qnn.hardware.executors import RuntimeApi


class StandInJob:
    def __init__(self, directory: Path, job_id: str):
        self.directory, self._id = Path(directory), job_id

    def job_id(self) -> str:
        return self._id

    def status(self) -> str:
        if (self.directory / f"{self._id}.hold").exists():
            return "QUEUED"
        return json.loads((self.directory / f"{self._id}.json").read_text())["status"]

    def error_message(self) -> str | None:
        return json.loads((self.directory / f"{self._id}.json").read_text()).get("reason")

    def result(self):
        while (self.directory / f"{self._id}.hold").exists():
            time.sleep(0.05)
        if self.status() == "ERROR":
            raise RuntimeError(f"job {self._id} failed")
        evs = np.load(self.directory / f"{self._id}.npy")
        return [SimpleNamespace(data=SimpleNamespace(evs=evs))]

    def usage(self) -> float:
        return 1.5


class StandInMode:
    """A Batch or Session: records that it was opened and closed."""

    def __init__(self, kind: str, backend, log: list, max_time=None):
        self.kind, self.backend, self.log = kind, backend, log
        log.append(("open", kind) if max_time is None else ("open", kind, max_time))

    def close(self) -> None:
        self.log.append(("close", self.kind))


class StandInService:
    """Plays QiskitRuntimeService; reads the token from the environment as the real one does, and keeps it."""

    def __init__(self, directory, device=None, hold: bool = False, fail: str | None = None):
        from qiskit_ibm_runtime.fake_provider import FakeManilaV2

        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.device = device or FakeManilaV2()
        self.hold, self.fail = hold, fail
        self._token = os.environ.get("QISKIT_IBM_TOKEN")
        self.log: list = []
        self.submitted: list[dict] = []
        self._ids = itertools.count()

    def backend(self, name: str):
        self.log.append(("backend", name))
        return self.device

    def least_busy(self, **filters):
        self.log.append(("least_busy", filters))
        return self.device

    def job(self, job_id: str) -> StandInJob:
        self.log.append(("job", job_id))
        if not (self.directory / f"{job_id}.json").exists():
            raise KeyError(job_id)
        return StandInJob(self.directory, job_id)

    def api(self) -> RuntimeApi:
        return RuntimeApi(
            service=lambda: self,
            estimator=lambda mode, options: StandInEstimator(self, mode, options),
            batch=lambda backend, max_time=None: StandInMode("batch", backend, self.log, max_time),
            session=lambda backend, max_time=None: StandInMode("session", backend, self.log, max_time),
        )

    def run(self, mode, options, pubs) -> StandInJob:
        from qiskit.primitives import StatevectorEstimator

        (circuit, observables, parameters) = pubs[0]
        self.submitted.append(
            {
                "mode": mode,
                "options": options,
                "n_pubs": len(pubs),
                "parameters_shape": np.shape(parameters),
                "observables_shape": np.shape(observables),
                "n_qubits": circuit.num_qubits,
                "n_parameters": circuit.num_parameters,
            }
        )
        job_id = f"standin-{os.getpid()}-{next(self._ids)}"
        evs = StatevectorEstimator().run([(circuit, observables, parameters)]).result()[0].data.evs
        np.save(self.directory / f"{job_id}.npy", evs)
        status = {"status": "ERROR", "reason": self.fail} if self.fail else {"status": "DONE"}
        (self.directory / f"{job_id}.json").write_text(json.dumps(status))
        if self.hold:
            (self.directory / f"{job_id}.hold").touch()
        return StandInJob(self.directory, job_id)


class StandInEstimator:
    def __init__(self, service: StandInService, mode, options):
        self.service, self.mode, self.options = service, mode, options

    def run(self, pubs):
        return self.service.run(self.mode, self.options, pubs)
