import pytest
from qiskit_ibm_runtime.options_models.estimator import EstimatorOptions

from qnn.hardware import RuntimeOptions


def test_defaults_work_on_the_open_plan_and_are_valid_estimator_options():
    options = RuntimeOptions()
    assert options.mode == "job"
    parsed = EstimatorOptions(**options.estimator_options())
    assert parsed.default_shots == 1024 and parsed.resilience_level == 1


def test_mitigation_settings_reach_the_estimator():
    options = RuntimeOptions(
        shots=500, resilience_level=0, twirling=True, dynamical_decoupling=True, zne=True
    ).estimator_options(shots=2000, seed=3)
    parsed = EstimatorOptions(**options)
    assert parsed.default_shots == 2000
    assert parsed.twirling.enable_gates and parsed.twirling.enable_measure
    assert parsed.dynamical_decoupling.enable and parsed.dynamical_decoupling.sequence_type == "XY4"
    assert parsed.resilience.zne_mitigation and list(parsed.resilience.zne.noise_factors) == [1.0, 3.0, 5.0]
    assert parsed.simulator.seed_simulator == 3
    assert "simulator" not in RuntimeOptions().estimator_options()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mode": "dedicated"}, "mode must be one of"),
        ({"shots": 0}, "shots must be a positive integer"),
        ({"resilience_level": 3}, "resilience_level must be 0, 1 or 2"),
        ({"max_qpu_seconds": 0}, "max_qpu_seconds must be positive"),
    ],
)
def test_bad_settings_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RuntimeOptions(**kwargs)
