"""A stand-in for IBM Quantum at the service boundary: it records what is submitted and computes exact results.

`StandInService` plays `QiskitRuntimeService` (backend lookup, `least_busy`, `job(id)`), `StandInEstimator`
and `StandInSampler` play the runtime's Estimator and Sampler: they record the mode, the options and the
shapes of each PUB, evaluate it with Qiskit's `StatevectorEstimator` (exactly) or `StatevectorSampler`
(seeded shots), and keep the result in a directory, so that another process can fetch the job by id.
While the file `<job id>.hold` exists, `result()` blocks, like a job in a queue. Like IBM, a job's usage
is 0 until it has been asked `usage_delay` times.
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
    def __init__(self, directory: Path, job_id: str, usage_delay: int = 0):
        self.directory, self._id = Path(directory), job_id
        self.usage_delay = usage_delay

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
        if (self.directory / f"{self._id}.counts.json").exists():
            from qiskit.primitives import BitArray

            counts = json.loads((self.directory / f"{self._id}.counts.json").read_text())
            meas = [BitArray.from_counts(c, num_bits=counts["n_bits"]).reshape(1) for c in counts["sets"]]
            return [SimpleNamespace(data=SimpleNamespace(meas=BitArray.concatenate(meas)))]
        evs = np.load(self.directory / f"{self._id}.npy")
        return [SimpleNamespace(data=SimpleNamespace(evs=evs))]

    def usage(self) -> float:
        asked = self.directory / f"{self._id}.asked"
        n = int(asked.read_text()) if asked.exists() else 0
        asked.write_text(str(n + 1))
        return 1.5 if n >= self.usage_delay else 0.0


class StandInMode:
    """A Batch or Session: records that it was opened and closed."""

    def __init__(self, kind: str, backend, log: list, max_time=None):
        self.kind, self.backend, self.log = kind, backend, log
        log.append(("open", kind) if max_time is None else ("open", kind, max_time))

    def close(self) -> None:
        self.log.append(("close", self.kind))


class StandInService:
    """Plays QiskitRuntimeService; reads the token from the environment as the real one does, and keeps it."""

    def __init__(
        self, directory, device=None, hold: bool = False, fail: str | None = None, least_busy=(), usage_delay=0
    ):
        from qiskit_ibm_runtime.fake_provider import FakeManilaV2

        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.device = device or FakeManilaV2()
        self.least_busy_devices = list(least_busy)  # what least_busy answers, one after another
        self.hold, self.fail, self.usage_delay = hold, fail, usage_delay
        self._token = os.environ.get("QISKIT_IBM_TOKEN")
        self.log: list = []
        self.submitted: list[dict] = []
        self._ids = itertools.count()

    def backend(self, name: str):
        self.log.append(("backend", name))
        return self.device

    def least_busy(self, **filters):
        self.log.append(("least_busy", filters))
        if self.least_busy_devices:
            self.device = self.least_busy_devices.pop(0)
        return self.device

    def job(self, job_id: str) -> StandInJob:
        self.log.append(("job", job_id))
        if not (self.directory / f"{job_id}.json").exists():
            raise KeyError(job_id)
        return StandInJob(self.directory, job_id, self.usage_delay)

    def api(self) -> RuntimeApi:
        return RuntimeApi(
            service=lambda: self,
            estimator=lambda mode, options: StandInEstimator(self, mode, options),
            batch=lambda backend, max_time=None: StandInMode("batch", backend, self.log, max_time),
            session=lambda backend, max_time=None: StandInMode("session", backend, self.log, max_time),
            sampler=lambda mode, options: StandInSampler(self, mode, options),
        )

    def _new_job(self) -> str:
        job_id = f"standin-{os.getpid()}-{next(self._ids)}"
        status = {"status": "ERROR", "reason": self.fail} if self.fail else {"status": "DONE"}
        (self.directory / f"{job_id}.json").write_text(json.dumps(status))
        if self.hold:
            (self.directory / f"{job_id}.hold").touch()
        return job_id

    def sample(self, mode, options, pubs) -> StandInJob:
        from qiskit.primitives import StatevectorSampler

        (circuit, parameters) = pubs[0]
        self.submitted.append(
            {"mode": mode, "options": options, "n_pubs": len(pubs), "primitive": "sampler",
             "parameters_shape": np.shape(parameters), "n_qubits": circuit.num_qubits}
        )  # fmt: skip
        shots = options["default_shots"]
        result = StatevectorSampler(seed=0).run([(circuit, parameters)], shots=shots).result()[0]
        meas = result.data.meas
        sets = [meas[i].get_counts() for i in range(meas.shape[0])]
        job_id = self._new_job()
        (self.directory / f"{job_id}.counts.json").write_text(json.dumps({"n_bits": meas.num_bits, "sets": sets}))
        return StandInJob(self.directory, job_id, self.usage_delay)

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
        evs = StatevectorEstimator().run([(circuit, observables, parameters)]).result()[0].data.evs
        job_id = self._new_job()
        np.save(self.directory / f"{job_id}.npy", evs)
        return StandInJob(self.directory, job_id, self.usage_delay)


class StandInSampler:
    def __init__(self, service: StandInService, mode, options):
        self.service, self.mode, self.options = service, mode, options

    def run(self, pubs):
        return self.service.sample(self.mode, self.options, pubs)


class StandInEstimator:
    def __init__(self, service: StandInService, mode, options):
        self.service, self.mode, self.options = service, mode, options

    def run(self, pubs):
        return self.service.run(self.mode, self.options, pubs)
