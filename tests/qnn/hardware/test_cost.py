import pytest

from qnn.hardware import CostLimitError, RuntimeOptions, estimate_cost
from qnn.hardware.cost import check_budget


def test_estimate_counts_circuits_shots_and_noise_factors():
    plain = estimate_cost(200, 1000, RuntimeOptions(seconds_per_shot=1e-4, job_overhead_seconds=1.0))
    assert plain.qpu_seconds == pytest.approx(200 * 1000 * 1e-4 + 1.0)
    zne = estimate_cost(200, 1000, RuntimeOptions(seconds_per_shot=1e-4, job_overhead_seconds=1.0, resilience_level=2))
    assert zne.qpu_seconds == pytest.approx(3 * 200 * 1000 * 1e-4 + 1.0)
    assert str(plain) == "200 circuits × 1000 shots ≈ 21.0 QPU seconds"


def test_guard_refuses_above_budget_with_the_estimate():
    options = RuntimeOptions(max_qpu_seconds=30.0, seconds_per_shot=1e-4, job_overhead_seconds=1.0)
    check_budget(estimate_cost(100, 1000, options), 0.0, options)  # 11 s: fine
    with pytest.raises(CostLimitError, match=r"300 circuits × 1000 shots ≈ 31\.0 QPU seconds.*max_qpu_seconds=30"):
        check_budget(estimate_cost(300, 1000, options), 0.0, options)
    with pytest.raises(CostLimitError, match="25.0 s already used"):
        check_budget(estimate_cost(100, 1000, options), 25.0, options)
