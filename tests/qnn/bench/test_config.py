import pytest

from qnn.bench.config import ModelSpec, SweepConfig, TaskSpec, load_sweep, sweep_from_dict
from qnn.validation import InvalidArgument

TOML = """
n_folds = 3
seeds = [0, 1]

[[tasks]]
name = "linearly_separable"
dimensions = [2, 4]
n_samples = 60

[[tasks]]
name = "two_curves"
dimensions = [3]
params = {degree = 2}

[[models]]
name = "SVC"
grid = {C = [1.0, 10.0], gamma = ["scale"]}

[[models]]
name = "DataReuploadingClassifier"
grid = {n_layers = 2}
ablation = false
max_dimension = 3
"""

YAML = """
n_folds: 3
seeds: [0, 1]
tasks:
  - {name: linearly_separable, dimensions: [2, 4], n_samples: 60}
  - {name: two_curves, dimensions: [3], params: {degree: 2}}
models:
  - {name: SVC, grid: {C: [1.0, 10.0], gamma: [scale]}}
  - {name: DataReuploadingClassifier, grid: {n_layers: 2}, ablation: false, max_dimension: 3}
"""


def test_toml_and_yaml_give_the_same_sweep(tmp_path):
    (tmp_path / "s.toml").write_text(TOML)
    (tmp_path / "s.yaml").write_text(YAML)
    from_toml, from_yaml = load_sweep(tmp_path / "s.toml"), load_sweep(tmp_path / "s.yaml")
    assert from_toml == from_yaml
    assert from_toml.n_folds == 3 and from_toml.seeds == (0, 1)
    assert from_toml.tasks[0] == TaskSpec("linearly_separable", (2, 4), n_samples=60)
    assert from_toml.tasks[1].params == {"degree": 2}
    svc, reuploading = from_toml.models
    assert svc.grid == {"C": (1.0, 10.0), "gamma": ("scale",)}
    assert reuploading.grid == {"n_layers": (2,)} and not reuploading.ablation
    assert reuploading.runs_on("two_curves", 3) and not reuploading.runs_on("linearly_separable", 4)


def test_configurations_cover_the_grid_in_a_fixed_order():
    spec = ModelSpec("SVC", {"gamma": [0.1, 1.0], "C": [1.0, 10.0, 100.0]})
    configurations = spec.configurations()
    assert len(configurations) == 6
    assert configurations[0] == {"C": 1.0, "gamma": 0.1} and configurations[-1] == {"C": 100.0, "gamma": 1.0}
    assert len({tuple(sorted(c.items())) for c in configurations}) == 6


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: TaskSpec("nope", (2,)), "task name"),
        (lambda: TaskSpec("two_curves", ()), "dimensions"),
        (lambda: TaskSpec("two_curves", (0,)), "dimensions"),
        (lambda: ModelSpec("SVC", {"C": []}), "at least one value"),
        (lambda: SweepConfig((TaskSpec("two_curves", (2,)),), (ModelSpec("SVC"),), n_folds=1), "n_folds"),
        (lambda: SweepConfig((TaskSpec("two_curves", (2,)),), (ModelSpec("SVC"),), seeds=()), "seeds"),
        (lambda: SweepConfig((), (ModelSpec("SVC"),)), "at least one task"),
        (lambda: sweep_from_dict({"tasks": [], "models": [], "folds": 3}), "unknown sweep fields"),
    ],
)
def test_bad_configuration_names_the_field(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_unknown_file_type(tmp_path):
    with pytest.raises(ValueError, match=".toml, .yaml"):
        load_sweep(tmp_path / "sweep.json")


def test_restricted_keeps_the_named_tasks_and_the_models_that_run_on_them():
    from qnn.bench.config import restricted
    from qnn.bench.presets import paper_best

    full = paper_best()
    part = restricted(full, ["mnist_pca"])
    assert [task.name for task in part.tasks] == ["mnist_pca"]
    assert part.models and all(model.tasks == ("mnist_pca",) for model in part.models)
    assert len(part.models) == sum(model.tasks == ("mnist_pca",) for model in full.models)
    with pytest.raises(InvalidArgument, match="tasks must be among the sweep's"):
        restricted(full, ["bars_and_stripes"])
