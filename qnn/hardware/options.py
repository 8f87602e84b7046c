"""Execution settings for IBM Quantum: mode, shots, error mitigation, budget, passed to the Estimator.

The estimator is qiskit-ibm-runtime's client-side `executor_estimator.Estimator` (the successor of the
server-side `EstimatorV2`, deprecated since 0.50): twirling, dynamical decoupling, TREX and ZNE run on
this machine around the executor, so they behave the same on fake backends as on hardware.

Example:
    >>> RuntimeOptions(shots=2048, resilience_level=2).estimator_options()["resilience_level"]
    2
"""

from __future__ import annotations

from dataclasses import dataclass

MODES = ("job", "batch", "session")


@dataclass(frozen=True)
class RuntimeOptions:
    # "job" runs each job on its own and works on every plan (the Open plan has no sessions); "batch"
    # groups a training run's jobs for the scheduler; "session" holds the QPU between jobs (paid plans).
    mode: str = "job"
    shots: int = 1024  # per circuit and observable group; precision ≈ 1/√shots
    # 0: none; 1: measurement error mitigation (TREX, IBM's default); 2: adds zero-noise extrapolation.
    resilience_level: int = 1
    # Pauli twirling of gates and measurements. False twirls no gates; measurements are still twirled
    # where mitigation needs it (TREX at level ≥ 1), as the runtime requires.
    twirling: bool = False
    dynamical_decoupling: bool = False  # pad idle qubits with an XY4 sequence
    zne: bool = False  # zero-noise extrapolation at level 1 too
    zne_noise_factors: tuple[float, ...] = (1.0, 3.0, 5.0)
    optimization_level: int = 2  # of the transpiler, run once per circuit structure
    max_qpu_seconds: float = 60.0  # the cost guard refuses jobs that would take the run above this
    seconds_per_shot: float = 3e-4  # QPU time per shot (repetition delay + circuit), for the estimate
    job_overhead_seconds: float = 2.0  # QPU time per job on top of the shots, for the estimate
    # A named budget shared by every process that uses the same job journal: the cost guard then counts
    # the QPU seconds of all the journal's jobs under this name (IBM's figure once known, else the
    # estimate) against max_qpu_seconds. None: the budget is this backend object's own.
    budget: str | None = None
    max_execution_time: int | None = None  # seconds of QPU time after which IBM cancels a job
    job_tags: tuple[str, ...] = ()  # tags on every job, to find them in IBM's dashboard and `service.jobs()`
    session_max_time: int | str | None = None  # a batch's or session's maximum life, e.g. 3600 or "1h"

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {self.mode!r}")
        if isinstance(self.shots, bool) or not isinstance(self.shots, int) or self.shots < 1:
            raise ValueError(f"shots must be a positive integer, got {self.shots!r}")
        if self.resilience_level not in (0, 1, 2):
            raise ValueError(f"resilience_level must be 0, 1 or 2, got {self.resilience_level!r}")
        if not self.max_qpu_seconds > 0:
            raise ValueError(f"max_qpu_seconds must be positive, got {self.max_qpu_seconds!r}")
        if self.max_execution_time is not None and (
            isinstance(self.max_execution_time, bool)
            or not isinstance(self.max_execution_time, int)
            or self.max_execution_time < 1
        ):
            raise ValueError(
                f"max_execution_time must be None or a positive integer (seconds), got {self.max_execution_time!r}"
            )
        if isinstance(self.job_tags, str) or not all(isinstance(tag, str) and tag for tag in self.job_tags):
            raise ValueError(f"job_tags must be a tuple of non-empty strings, got {self.job_tags!r}")
        if self.budget is not None and (not isinstance(self.budget, str) or not self.budget):
            raise ValueError(f"budget must be None or a non-empty name, got {self.budget!r}")

    @property
    def uses_zne(self) -> bool:
        return self.zne or self.resilience_level == 2

    def estimator_options(self, shots: int | None = None, seed: int | None = None) -> dict:
        """Estimator options as a dict (JSON-safe, so the journal can store it); `seed` seeds a local simulator."""
        options = {
            "default_shots": shots or self.shots,
            "resilience_level": self.resilience_level,
            "dynamical_decoupling": {"enable": self.dynamical_decoupling, "sequence_type": "XY4"},
            "twirling": self._twirling(),
            **self._environment(),
        }
        if self.zne:
            options["resilience"] = {"zne_mitigation": True, "zne": {"noise_factors": list(self.zne_noise_factors)}}
        if seed is not None:
            options["simulator"] = {"seed_simulator": seed}
        return options

    def sampler_options(self, shots: int | None = None, seed: int | None = None) -> dict:
        """Sampler options as a dict (probabilities and counts are sampled: no mitigation applies)."""
        options = {
            "default_shots": shots or self.shots,
            "dynamical_decoupling": {"enable": self.dynamical_decoupling, "sequence_type": "XY4"},
            "twirling": {"enable_gates": self.twirling, "enable_measure": self.twirling},
            **self._environment(),
        }
        if seed is not None:
            options["simulator"] = {"seed_simulator": seed}
        return options

    def _twirling(self) -> dict:
        # Measurement mitigation (level ≥ 1) needs twirled measurements; asking for them explicitly
        # keeps the runtime from overriding the setting with a warning on every job.
        return {"enable_gates": self.twirling, "enable_measure": self.twirling or self.resilience_level >= 1}

    def _environment(self) -> dict:
        options = {}
        if self.max_execution_time is not None:
            options["max_execution_time"] = self.max_execution_time
        if self.job_tags:
            options["environment"] = {"job_tags": list(self.job_tags)}
        return options
