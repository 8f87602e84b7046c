import pytest

from qnn.bench.config import ModelSpec, SweepConfig, TaskSpec
from qnn.bench.estimate import Estimate, FitCost, estimate_sweep
from qnn.bench.protocol import count_jobs

STAND_IN = "tests.qnn.bench.stand_in:StandInQuantumClassifier"


def _config(models, **changes) -> SweepConfig:
    fields = dict(tasks=(TaskSpec("linearly_separable", (2, 3), n_samples=60),), models=models, n_folds=2, seeds=(0, 1))
    return SweepConfig(**{**fields, **changes})


def test_every_fit_of_the_sweep_is_estimated_and_failures_are_named():
    config = _config(
        (
            ModelSpec(STAND_IN, {"C": [0.1, 1.0]}),
            ModelSpec(STAND_IN, {"fail_with": ["memory"]}, ablation=False, matched_mlp=False),
            ModelSpec("DataReuploadingClassifier", {"n_layers": [1], "max_steps": [50], "convergence_interval": [10]},
                      ablation=False, matched_mlp=False),
        ),
    )  # fmt: skip
    estimate = estimate_sweep(config, progress=False)
    assert estimate.n_fits == count_jobs(config)
    assert estimate.failures == {"SimulatorMemoryError: the stand-in needs 1 TiB of simulator memory": 4}
    costs = [c for stage in estimate.stages.values() for c in stage]
    assert all(0 <= c.low <= c.high for c in costs)
    # Data re-uploading: between 2 x 10 + 1 and 50 steps of the same measured step cost.
    reuploading = [c for c in estimate.stages["models final"] if c.low > 0 and c.high == pytest.approx(c.low * 50 / 22)]
    assert len(reuploading) == 4  # its 2 seeds at 2 dimensions
    cells = estimate.cell_hours()
    assert {cell for cell in cells if cell[2] == "DataReuploadingClassifier"} == {
        ("linearly_separable", 2, "DataReuploadingClassifier"), ("linearly_separable", 3, "DataReuploadingClassifier")
    }  # fmt: skip
    assert sum(high for _, high in cells.values()) == pytest.approx(sum(c.high for c in costs) / 3600)


def test_measured_steps_are_shared_across_learning_rates(monkeypatch):
    from qnn.bench import estimate as module

    calls = []
    original = module._seconds_per_step
    monkeypatch.setattr(module, "_seconds_per_step", lambda job, X, y: calls.append(job) or original(job, X, y))
    grid = {"n_layers": [1], "learning_rate": [0.01, 0.1, 0.5], "max_steps": [20], "convergence_interval": [5]}
    estimate_sweep(_config((ModelSpec("DataReuploadingClassifier", grid, ablation=False, matched_mlp=False),)),
                   progress=False)  # fmt: skip
    assert len(calls) == 2  # one per dimension, not one per learning rate


def test_cell_hours_add_a_cells_fits():
    cell = ("two_curves", 4, "SVC")
    estimate = Estimate({"cv": [FitCost(360, 720, cell=cell)] * 2, "final": [FitCost(3600, 7200, cell=cell)]})
    assert estimate.cell_hours() == {cell: pytest.approx((1.2, 2.4))}


def test_wall_time_is_the_work_per_worker_or_the_longest_fit_per_stage():
    estimate = Estimate({"a": [FitCost(10, 20)] * 4 + [FitCost(100, 100)], "b": [FitCost(36, 72)]})
    assert estimate.n_fits == 6
    assert estimate.wall_hours(1) == pytest.approx(((140 + 36) / 3600, (180 + 72) / 3600))
    assert estimate.wall_hours(100) == pytest.approx(((100 + 36) / 3600, (100 + 72) / 3600))
    assert estimate.wall_hours(2) == pytest.approx(((100 + 36) / 3600, (100 + 72) / 3600))
