import json
import shutil

import pytest

from qnn.bench.config import ModelSpec, SweepConfig, TaskSpec
from qnn.bench.executors import SerialExecutor
from qnn.bench.protocol import count_jobs, model_variants, run_sweep
from qnn.bench.store import ResultStore

STAND_IN = "tests.qnn.bench.stand_in:StandInQuantumClassifier"
WATTS = 10.0  # the CPU-time estimate: fast, and the same on every machine without RAPL


def tiny_sweep(**changes) -> SweepConfig:
    fields = dict(
        tasks=(TaskSpec("linearly_separable", (2, 4), n_samples=60), TaskSpec("hidden_manifold", (3,), n_samples=60)),
        models=(
            ModelSpec(STAND_IN, {"C": [0.01, 1.0]}),
            ModelSpec("LogisticRegression", {"C": [1.0]}),
        ),
        n_folds=2,
        seeds=(0, 1),
        matched_mlp_grid={"max_iter": [300]},
    )
    return SweepConfig(**{**fields, **changes})


class FailingExecutor(SerialExecutor):
    """Stops the sweep with an error after `after` fits, as a crash or Ctrl-C would."""

    def __init__(self, after: int):
        self.after = after

    def map_unordered(self, fn, items):
        for count, pair in enumerate(super().map_unordered(fn, items)):
            if count == self.after:
                raise KeyboardInterrupt
            yield pair


def test_variants_add_the_ablation_to_quantum_models_only():
    (stand_in,) = tiny_sweep().models[:1]
    variants = model_variants(stand_in)
    assert [v.family for v in variants] == ["quantum", "ablation"]
    assert all(c["entangling"] is False for c in variants[1].configurations)
    assert [v.family for v in model_variants(ModelSpec("SVC", {"C": [1.0]}))] == ["classical"]
    assert len(model_variants(ModelSpec(STAND_IN, {}, ablation=False))) == 1


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """The database of the tiny sweep run to the end, and the sweep's counts."""
    path = tmp_path_factory.mktemp("finished") / "r.sqlite"
    with ResultStore(path) as store:
        counts = run_sweep(tiny_sweep(), store, SerialExecutor(), progress=False, power_watts=WATTS)
    return path, counts


def test_tiny_sweep_end_to_end(finished):
    config = tiny_sweep()
    path, counts = finished
    with ResultStore(path) as store:
        rows = store.rows()
    # per point: stand-in and ablation: 2 configs x 2 folds + 2 seeds each; LR: 2 seeds; matched MLP: 2 seeds
    assert counts == {"ran": 3 * (6 + 6 + 2 + 2), "skipped": 0} == {"ran": count_jobs(config), "skipped": 0}
    assert len(rows) == counts["ran"]
    finals = [r for r in rows if r["fold"] == "final"]
    assert {r["model"] for r in finals} == {
        "StandInQuantumClassifier", "StandInQuantumClassifier (no entanglement)", "LogisticRegression",
        "MLP matched to StandInQuantumClassifier",
    }  # fmt: skip
    # Each final fit uses the configuration with the best mean CV accuracy (ties: first in grid order).
    for final in finals:
        if final["family"] == "classical":
            continue
        cv = [r for r in rows if r["fold"] != "final" and r["model"] == final["model"] and
              (r["task"], r["dimension"]) == (final["task"], final["dimension"])]  # fmt: skip
        scores = {}
        for r in cv:
            scores.setdefault(json.loads(r["hyperparameters"])["C"], []).append(r["test_accuracy"])
        best = max(scores, key=lambda c: (sum(scores[c]), -c))
        assert json.loads(final["hyperparameters"])["C"] == best


def test_matched_mlp_has_about_the_quantum_parameter_count(finished):
    with ResultStore(finished[0]) as store:
        for task, dimension in [("linearly_separable", 4), ("hidden_manifold", 3)]:
            quantum = store.rows(task=task, dimension=dimension, model="StandInQuantumClassifier", fold="final")
            matched = store.rows(task=task, dimension=dimension, model="MLP matched to StandInQuantumClassifier")
            target = quantum[0]["n_params"]
            hidden = json.loads(matched[0]["hyperparameters"])["hidden_layer_sizes"]
            assert matched[0]["n_params"] == (dimension + 1) * hidden[0] + hidden[0] + 1
            assert abs(matched[0]["n_params"] - target) <= dimension + 2  # one hidden unit more or less


def test_interrupted_sweep_resumes_without_recomputing(tmp_path):
    config = tiny_sweep()
    total = count_jobs(config)
    with ResultStore(tmp_path / "r.sqlite") as store:
        with pytest.raises(KeyboardInterrupt):
            run_sweep(config, store, FailingExecutor(after=13), progress=False, power_watts=WATTS)
        first = {r["config_hash"]: r for r in store.rows()}
        assert len(first) == 13
        counts = run_sweep(config, store, SerialExecutor(), progress=False, power_watts=WATTS)
        assert counts == {"ran": total - 13, "skipped": 13}
        after = {r["config_hash"]: r for r in store.rows()}
    assert len(after) == total
    assert all(after[key] == row for key, row in first.items())  # the finished rows were not touched
    with ResultStore(tmp_path / "r.sqlite") as store:
        assert run_sweep(config, store, SerialExecutor(), progress=False, power_watts=WATTS) == {"skipped": total}


def test_changed_configuration_adds_rows_and_keeps_the_old(finished, tmp_path):
    shutil.copy(finished[0], tmp_path / "r.sqlite")
    with ResultStore(tmp_path / "r.sqlite") as store:
        before = {r["config_hash"]: r for r in store.rows()}
        changed = tiny_sweep(models=(ModelSpec("LogisticRegression", {"C": [1.0, 0.5]}),))
        counts = run_sweep(changed, store, SerialExecutor(), progress=False, power_watts=WATTS)
        after = {r["config_hash"]: r for r in store.rows()}
    assert counts["ran"] == count_jobs(changed) - counts.get("skipped", 0) > 0
    assert len(after) == len(before) + counts["ran"]
    assert all(after[key] == row for key, row in before.items())


def test_models_can_be_limited_to_tasks_and_dimensions(tmp_path):
    config = tiny_sweep(models=(ModelSpec("LogisticRegression", {}, tasks=("linearly_separable",), max_dimension=2),))
    with ResultStore(tmp_path / "r.sqlite") as store:
        run_sweep(config, store, SerialExecutor(), progress=False, power_watts=WATTS)
        assert {(r["task"], r["dimension"]) for r in store.rows()} == {("linearly_separable", 2)}
    assert count_jobs(config) == 2


def _stand_in_sweep(grid, **changes) -> SweepConfig:
    return tiny_sweep(
        tasks=(TaskSpec("linearly_separable", (3,), n_samples=60),),
        models=(ModelSpec(STAND_IN, grid, ablation=False, matched_mlp=False),),
        **changes,
    )


def test_failed_fits_are_stored_the_sweep_goes_on_and_a_rerun_skips_them(tmp_path):
    # C=1 runs out of simulator memory in every fold; C=0.01 works, so it is selected and retrained.
    config = _stand_in_sweep({"C": [1.0, 0.01], "fail_with": [None]})
    memory = _stand_in_sweep({"C": [1.0], "fail_with": ["memory"]}).models[0]
    config = tiny_sweep(tasks=config.tasks, models=(config.models[0], memory))
    with ResultStore(tmp_path / "r.sqlite") as store:
        counts = run_sweep(config, store, SerialExecutor(), progress=False, power_watts=WATTS)
        failures = store.failures()
        assert counts["failed"] == len(failures) == 2  # the memory model's two final fits (one grid point: no CV)
        assert {f["error"] for f in failures} == {"SimulatorMemoryError"} and "1 TiB" in failures[0]["reason"]
        assert counts["ran"] == count_jobs(config)
        again = run_sweep(config, store, SerialExecutor(), progress=False, power_watts=WATTS)
        assert again == {"skipped": count_jobs(config)}
        retried = run_sweep(config, store, SerialExecutor(), progress=False, power_watts=WATTS, retry_failed=True)
        assert retried == {"ran": 2, "failed": 2, "skipped": count_jobs(config) - 2}


def test_a_configuration_with_a_failed_fold_is_never_selected(tmp_path):
    # The grid's better point (C=1) fails in cross-validation: the sweep retrains the other one.
    config = _stand_in_sweep({"C": [1.0], "fail_with": [None, "value"]})
    with ResultStore(tmp_path / "r.sqlite") as store:
        run_sweep(config, store, SerialExecutor(), progress=False, power_watts=WATTS)
        finals = store.rows(fold="final")
        assert len(store.failures()) == 2  # the two folds of fail_with="value"
    assert {json.loads(r["hyperparameters"])["fail_with"] for r in finals} == {None}


@pytest.mark.parametrize("required", [True, False])
def test_non_converged_fits_are_not_selected_under_the_papers_rule(tmp_path, required):
    # converges=False would win on accuracy (C=10 fits best); under the paper's rule it is never selected.
    grid = {"C": [10.0, 0.001], "converges": [False, True]}
    config = _stand_in_sweep(grid, convergence_required=required)
    with ResultStore(tmp_path / "r.sqlite") as store:
        run_sweep(config, store, SerialExecutor(), progress=False, power_watts=WATTS)
        cv = store.rows(fold="0")
        finals = store.rows(fold="final")
    assert {r["converged"] for r in cv} == {0, 1}
    chosen = {json.loads(r["hyperparameters"])["converges"] for r in finals}
    accuracy = {json.loads(r["hyperparameters"])["C"]: r["test_accuracy"] for r in cv if r["converged"] == 0}
    assert chosen == ({True} if required else {False}) and accuracy[10.0] > 0.5


def test_every_configuration_failing_leaves_no_final_fits(tmp_path):
    config = _stand_in_sweep({"C": [1.0, 2.0], "fail_with": ["value"]})
    with ResultStore(tmp_path / "r.sqlite") as store:
        counts = run_sweep(config, store, SerialExecutor(), progress=False, power_watts=WATTS)
        assert counts == {"ran": 4, "failed": 4, "skipped": 0} and store.rows() == []


def test_two_sweeps_sharing_a_database_compute_each_fit_once(tmp_path):
    import threading

    config = _stand_in_sweep({"C": [1.0, 0.1, 0.01], "sleep_s": [0.05]})
    path, results = tmp_path / "r.sqlite", []

    def sweep():
        with ResultStore(path) as store:
            results.append(run_sweep(config, store, SerialExecutor(), progress=False, power_watts=WATTS, poll_s=0.02))

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = count_jobs(config)
    assert sum(r.get("ran", 0) for r in results) == total  # no fit was computed by both
    assert all(r.get("ran", 0) > 0 for r in results)  # both did part of the work
    with ResultStore(path) as store:
        assert len(store.rows()) == total


def test_a_variant_at_the_d_sweeps_dimension_runs_and_reports_apart(tmp_path):
    from qnn.bench.report import summarise, write_report
    from qnn.bench.store import read_results

    sweep = TaskSpec("hidden_manifold", (3, 4), n_samples=60, params={"manifold_dimension": 2})
    variants = tuple(
        TaskSpec("hidden_manifold", (4,), n_samples=60, params={"manifold_dimension": m}, variant="manifold_diff")
        for m in (2, 5)
    )
    narrowed = ModelSpec("SVC", {"C": [1.0]}, tasks=("manifold_diff",), task_params={"manifold_dimension": 5})
    config = tiny_sweep(tasks=(sweep, *variants), models=(ModelSpec("LogisticRegression", {"C": [1.0]}), narrowed))
    with ResultStore(tmp_path / "results.sqlite") as store:
        counts = run_sweep(config, store, SerialExecutor(), progress=False, power_watts=WATTS)
        assert counts["ran"] == count_jobs(config) == (4 + 1) * 2
        finals = [(r["variant"], r["task_params"], r["dimension"], r["model"]) for r in store.rows(fold="final")]
    # The d-sweep at d = 4 and the variant with the same arguments at d = 4 are two fits, not one.
    assert finals.count((None, '{"manifold_dimension": 2}', 4, "LogisticRegression")) == 2
    assert finals.count(("manifold_diff", '{"manifold_dimension": 2}', 4, "LogisticRegression")) == 2
    assert {f for f in finals if f[3] == "SVC"} == {("manifold_diff", '{"manifold_dimension": 5}', 4, "SVC")}
    summary = summarise(read_results(tmp_path / "results.sqlite"))
    assert sorted(set(summary["label"])) == ["hidden_manifold", "manifold_diff"]
    assert set(summary.loc[summary["label"] == "manifold_diff", "axis"]) == {"manifold_dimension"}
    assert "## manifold_diff" in write_report(tmp_path).read_text()
