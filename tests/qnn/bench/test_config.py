from dataclasses import replace

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
        (lambda: TaskSpec("two_curves", (2,), variant="hidden_manifold"), "variant of task 'two_curves'"),
        (lambda: TaskSpec("two_curves", (2,), test_size=0), "test_size of task 'two_curves'"),
        (lambda: TaskSpec("two_curves", (2,), test_size=1.5), "test_size of task 'two_curves'"),
        (
            lambda: SweepConfig((TaskSpec("two_curves", (2,)),), (ModelSpec("SVC", tasks=("two_curves_diff",)),)),
            "tasks of model 'SVC' must be among",
        ),
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
        restricted(full, ["digits"])


def test_restricted_to_models_keeps_them_and_the_tasks_they_run_on():
    from qnn.bench.config import restricted, restricted_to_models
    from qnn.bench.presets import paper_best

    full = restricted(paper_best(), ["linearly_separable"])
    part = restricted_to_models(full, ["SVC", "IQPKernelClassifier"])
    assert {model.name for model in part.models} == {"SVC", "IQPKernelClassifier"}
    assert len(part.models) == sum(model.name in ("SVC", "IQPKernelClassifier") for model in full.models)
    assert [task.name for task in part.tasks] == ["linearly_separable"]
    with pytest.raises(InvalidArgument, match="models must be among the sweep's"):
        restricted_to_models(full, ["SVM"])


def test_restricting_the_paper_sweep_to_some_variants_narrows_each_models_tasks():
    # The paper preset's quantum models name every tabular task; a part without some of them must still be a
    # valid sweep (it was refused for naming variants the part no longer has).
    from qnn.bench.config import restricted, restricted_to_dimensions, restricted_to_models
    from qnn.bench.presets import paper

    part = restricted(paper(), ["hyperplanes_diff", "two_curves"])
    assert {task.label for task in part.tasks} == {"hyperplanes_diff", "two_curves"}
    reuploading = next(m for m in part.models if m.name == "DataReuploadingClassifier")
    assert set(reuploading.tasks) == {"hyperplanes_diff", "two_curves"}
    assert {m.name for m in restricted_to_models(part, ["SVC"]).models} == {"SVC"}
    assert all(set(m.tasks) <= {"two_curves"} for m in restricted_to_dimensions(part, [2]).models)


HARDER = TaskSpec("hidden_manifold", (10,), params={"manifold_dimension": 4}, variant="hidden_manifold_diff")
EASIER = TaskSpec("hidden_manifold", (10,), params={"manifold_dimension": 2}, variant="hidden_manifold_diff")
SWEEP = TaskSpec("hidden_manifold", (2, 10), params={"manifold_dimension": 4})


def test_a_model_runs_on_tasks_by_label_and_arguments():
    assert (HARDER.label, SWEEP.label) == ("hidden_manifold_diff", "hidden_manifold")
    everywhere = ModelSpec("SVC")
    assert everywhere.runs_on(HARDER, 10) and everywhere.runs_on(SWEEP, 10)
    variant_only = ModelSpec("SVC", tasks=("hidden_manifold_diff",))
    assert variant_only.runs_on(HARDER, 10) and not variant_only.runs_on(SWEEP, 10)
    sweep_only = ModelSpec("SVC", tasks=("hidden_manifold",))
    assert (
        sweep_only.runs_on(SWEEP, 10)
        and sweep_only.runs_on("hidden_manifold", 2)
        and not sweep_only.runs_on(HARDER, 10)
    )
    one = ModelSpec("SVC", tasks=("hidden_manifold_diff",), task_params={"manifold_dimension": 4})
    assert one.runs_on(HARDER, 10) and not one.runs_on(EASIER, 10)


def test_tasks_that_would_share_report_rows_are_refused():
    SweepConfig((SWEEP, HARDER, EASIER), (ModelSpec("SVC"),))  # one label each, or other arguments: distinct
    twin = TaskSpec("hidden_manifold", (10, 12), params={"manifold_dimension": 4})
    with pytest.raises(InvalidArgument, match="share the label 'hidden_manifold', their params and dimension 10"):
        SweepConfig((SWEEP, twin), (ModelSpec("SVC"),))


def test_a_variant_and_a_test_count_from_a_file(tmp_path):
    path = tmp_path / "sweep.toml"
    path.write_text(
        '[[tasks]]\nname = "hidden_manifold"\ndimensions = [10]\nparams = {manifold_dimension = 4}\n'
        'variant = "hidden_manifold_diff"\ntest_size = 60\n\n'
        '[[models]]\nname = "SVC"\ntasks = ["hidden_manifold_diff"]\ntask_params = {manifold_dimension = 4}\n'
    )
    config = load_sweep(path)
    assert config.tasks[0] == replace(HARDER, test_size=60)
    assert config.models[0].runs_on(config.tasks[0], 10)


def test_restricted_selects_a_variant_by_its_label():
    from qnn.bench.config import restricted

    full = SweepConfig(
        (SWEEP, HARDER, EASIER), (ModelSpec("SVC"), ModelSpec("LogisticRegression", tasks=("hidden_manifold",)))
    )
    part = restricted(full, ["hidden_manifold_diff"])
    assert part.tasks == (HARDER, EASIER) and [m.name for m in part.models] == ["SVC"]


def test_restricted_to_dimensions_keeps_those_of_each_task_and_the_same_fits():
    from qnn.bench.config import restricted_to_dimensions
    from qnn.bench.presets import paper_best, preset
    from qnn.bench.protocol import stage_jobs

    full = paper_best()
    part = restricted_to_dimensions(full, [15, 16])
    sweeping = {t.label: tuple(d for d in t.dimensions if d in (15, 16)) for t in full.tasks}
    assert {task.label: task.dimensions for task in part.tasks} == {k: v for k, v in sweeping.items() if v}
    assert ("linearly_separable", (15, 16)) in {(task.label, task.dimensions) for task in part.tasks}
    assert all(any(m.runs_on(t, d) for t in part.tasks for d in t.dimensions) for m in part.models)
    with pytest.raises(InvalidArgument, match="dimensions must be among the sweep's"):
        restricted_to_dimensions(full, [99])

    class NothingStored:
        def get(self, key):
            return None

        def failure(self, key):
            return None

    quick = preset("quick")
    d = quick.tasks[0].dimensions[-1]
    keys = {job.key for job in stage_jobs(restricted_to_dimensions(quick, [d]), NothingStored(), "models", "cv")}
    same_dimension = {job.key for job in stage_jobs(quick, NothingStored(), "models", "cv") if job.dimension == d}
    assert keys and keys <= same_dimension  # a part's fits are the full sweep's: resuming either skips them
