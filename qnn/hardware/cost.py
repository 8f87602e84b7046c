"""The cost guard: estimate a job's QPU time before submitting it, and refuse above the budget."""

from __future__ import annotations

from dataclasses import dataclass

from qnn.hardware.options import RuntimeOptions


class CostLimitError(RuntimeError):
    """A job would take the run's QPU time above `max_qpu_seconds`."""


@dataclass(frozen=True)
class CostEstimate:
    n_circuits: int  # parameter sets × measurement groups: what the QPU runs
    shots: int
    qpu_seconds: float

    def __str__(self) -> str:
        return f"{self.n_circuits} circuits × {self.shots} shots ≈ {self.qpu_seconds:.1f} QPU seconds"


def estimate_cost(n_circuits: int, shots: int, options: RuntimeOptions) -> CostEstimate:
    """QPU seconds ≈ circuits × shots × seconds_per_shot × (noise factors under ZNE) + job overhead.

    Example:
        >>> str(estimate_cost(100, 1000, RuntimeOptions(resilience_level=1)))
        '100 circuits × 1000 shots ≈ 32.0 QPU seconds'
    """
    factor = len(options.zne_noise_factors) if options.uses_zne else 1
    seconds = n_circuits * shots * options.seconds_per_shot * factor + options.job_overhead_seconds
    return CostEstimate(n_circuits, shots, seconds)


def check_budget(estimate: CostEstimate, spent_seconds: float, options: RuntimeOptions) -> None:
    """Raise `CostLimitError` unless `spent_seconds` plus the estimate stays within `max_qpu_seconds`."""
    if spent_seconds + estimate.qpu_seconds > options.max_qpu_seconds:
        raise CostLimitError(
            f"refusing to submit: {estimate}, with {spent_seconds:.1f} s already used by this backend, "
            f"exceeds max_qpu_seconds={options.max_qpu_seconds:g}; raise max_qpu_seconds in RuntimeOptions, "
            "or use fewer samples, shots or parameters"
        )
