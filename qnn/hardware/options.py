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
    twirling: bool = False  # Pauli twirling of gates and measurements
    dynamical_decoupling: bool = False  # pad idle qubits with an XY4 sequence
    zne: bool = False  # zero-noise extrapolation at level 1 too
    zne_noise_factors: tuple[float, ...] = (1.0, 3.0, 5.0)
    optimization_level: int = 2  # of the transpiler, run once per circuit structure
    max_qpu_seconds: float = 60.0  # the cost guard refuses jobs that would take the run above this
    seconds_per_shot: float = 3e-4  # QPU time per shot (repetition delay + circuit), for the estimate
    job_overhead_seconds: float = 2.0  # QPU time per job on top of the shots, for the estimate

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {self.mode!r}")
        if isinstance(self.shots, bool) or not isinstance(self.shots, int) or self.shots < 1:
            raise ValueError(f"shots must be a positive integer, got {self.shots!r}")
        if self.resilience_level not in (0, 1, 2):
            raise ValueError(f"resilience_level must be 0, 1 or 2, got {self.resilience_level!r}")
        if not self.max_qpu_seconds > 0:
            raise ValueError(f"max_qpu_seconds must be positive, got {self.max_qpu_seconds!r}")

    @property
    def uses_zne(self) -> bool:
        return self.zne or self.resilience_level == 2

    def estimator_options(self, shots: int | None = None, seed: int | None = None) -> dict:
        """Estimator options as a dict (JSON-safe, so the journal can store it); `seed` seeds a local simulator."""
        options = {
            "default_shots": shots or self.shots,
            "resilience_level": self.resilience_level,
            "dynamical_decoupling": {"enable": self.dynamical_decoupling, "sequence_type": "XY4"},
            "twirling": {"enable_gates": self.twirling, "enable_measure": self.twirling},
        }
        if self.zne:
            options["resilience"] = {"zne_mitigation": True, "zne": {"noise_factors": list(self.zne_noise_factors)}}
        if seed is not None:
            options["simulator"] = {"seed_simulator": seed}
        return options
