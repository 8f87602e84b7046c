"""`<out>/report.md` and its PNG figures, computed from the results database alone.

Example:
    >>> path = write_report("bench-out")  # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
from importlib import resources
from pathlib import Path

import pandas as pd

from qnn.bench import plots
from qnn.bench.store import read_results

DATABASE = "results.sqlite"
REPORT = "report.md"
QUANTUM_FAMILIES = ("quantum", "ablation")


def summarise(results: pd.DataFrame) -> pd.DataFrame:
    """One row per task (its `label`: variant or name), generator arguments, dimension and model over its final
    fits: test accuracy mean and std over seeds, and the means of fit time, energy and CO2 per fit, parameters,
    qubits and circuit executions. `axis` names what the task's rows vary ("dimension", or for a variant at fixed
    dimension the generator argument it varies) and `setting` is its value."""
    finals = results[results["fold"] == "final"]
    if "label" not in finals:  # a frame not read by read_results
        finals = finals.assign(label=finals["task"])
    keys = ["label", "task", "dimension", "model", "family", "base_model", "task_params"]
    summary = finals.groupby(keys, as_index=False).agg(
        test_mean=("test_accuracy", "mean"),
        test_std=("test_accuracy", lambda a: float(a.std(ddof=0))),
        test_sem=("test_accuracy", lambda a: float(a.std(ddof=1) / math.sqrt(len(a))) if len(a) > 1 else math.nan),
        train_mean=("train_accuracy", "mean"),
        n_seeds=("seed", "nunique"),
        fit_seconds=("fit_seconds", "mean"),
        joules=("joules", "mean"),
        co2_grams=("co2_grams", "mean"),
        n_params=("n_params", "mean"),
        n_qubits=("n_qubits", "max"),
        n_circuit_executions=("n_circuit_executions", "mean"),
        hyperparameters=("hyperparameters", "first"),
    )
    summary = pd.concat([_with_axis(rows) for _, rows in summary.groupby("label", sort=True)], ignore_index=True)
    return summary.sort_values(["label", "setting", "model"], ignore_index=True)


def _with_axis(rows: pd.DataFrame) -> pd.DataFrame:
    """`rows` of one label with `axis` and `setting`: the dimension, unless only the generator arguments vary
    (then the first argument, by name, that takes more than one value)."""
    params = pd.DataFrame([json.loads(p) for p in rows["task_params"]], index=rows.index)
    varied = [name for name in sorted(params) if params[name].astype(str).nunique() > 1]
    if rows["dimension"].nunique() > 1 or not varied:
        return rows.assign(axis="dimension", setting=rows["dimension"])
    return rows.assign(axis=varied[0], setting=params[varied[0]])


def classical_gains(summary: pd.DataFrame) -> pd.DataFrame:
    """Per quantum model (ablations included), task and dimension: accuracy points over the best classical model
    at the same task and dimension (`gain`), beside the model's energy per fit."""
    point = ["label", "task_params", "dimension"]
    best = summary[summary["family"] == "classical"].groupby(point)["test_mean"].max()
    quantum = summary[summary["family"].isin(QUANTUM_FAMILIES)].copy()
    quantum["best_classical"] = [best.get(key, math.nan) for key in zip(*(quantum[c] for c in point), strict=True)]
    quantum["gain"] = 100 * (quantum["test_mean"] - quantum["best_classical"])
    return quantum.dropna(subset=["gain"])


def facts(summary: pd.DataFrame) -> dict:
    """The numbers behind the plain-language summary, all from `summary`."""
    gains = classical_gains(summary)
    point = ["label", "task_params", "dimension"]
    per_point = gains.groupby(point).agg(best=("test_mean", "max"), classical=("best_classical", "max"))
    pairs = summary.pivot_table(index=[*point, "base_model"], columns="family", values="test_mean")
    ablation = (pairs["ablation"] - pairs["quantum"]).dropna() * 100 if {"ablation", "quantum"} <= set(pairs) else []
    quantum = summary[summary["family"].isin(QUANTUM_FAMILIES)]
    classical = summary[summary["family"] == "classical"]
    return {
        "n_pairs": len(per_point),
        "classical_wins": int((per_point["classical"] >= per_point["best"]).sum()),
        "n_ablations": len(ablation),
        "ablation_change": float(pd.Series(ablation).mean()) if len(ablation) else math.nan,
        "ablation_hurts": int((pd.Series(ablation) < 0).sum()),
        "quantum_joules": float(quantum["joules"].mean()) if len(quantum) else math.nan,
        "classical_joules": float(classical["joules"].mean()) if len(classical) else math.nan,
    }


def sentences(numbers: dict) -> list[str]:
    """Plain-language statements of `facts(summary)`."""
    lines = []
    if numbers["n_pairs"]:
        lines.append(
            f"The best classical model is at least as accurate as the best quantum model on "
            f"{numbers['classical_wins']} of {numbers['n_pairs']} task/dimension pairs."
        )
    if numbers["n_ablations"]:
        lines.append(
            f"Removing entanglement changed test accuracy by {numbers['ablation_change']:+.1f} points on average "
            f"over {numbers['n_ablations']} model/task/dimension triples (lower in {numbers['ablation_hurts']})."
        )
    if not math.isnan(numbers["quantum_joules"]) and not math.isnan(numbers["classical_joules"]):
        ratio = numbers["quantum_joules"] / max(numbers["classical_joules"], 1e-12)
        lines.append(
            f"A quantum model's fit cost {numbers['quantum_joules']:.3g} J on average, against "
            f"{numbers['classical_joules']:.3g} J for a classical one ({ratio:.3g} times as much)."
        )
    return lines


def accuracy_table(summary: pd.DataFrame, task: str) -> pd.DataFrame:
    """Models by setting (the dimension, or the argument a variant varies) of one task label, cells "mean ± std"
    of the test accuracy."""
    rows = summary[summary["label"] == task]
    cells = rows.assign(cell=[f"{m:.3f} ± {s:.3f}" for m, s in zip(rows["test_mean"], rows["test_std"], strict=True)])
    table = cells.pivot(index="model", columns="setting", values="cell").fillna("")
    return table.rename_axis(columns=rows["axis"].iloc[0] if len(rows) else "dimension")


def rank_table(summary: pd.DataFrame, task: str) -> pd.DataFrame:
    """Models of one task label by mean rank over its settings (1: most accurate; ties share the better rank)."""
    rows = summary[summary["label"] == task].copy()
    rows["rank"] = rows.groupby("setting")["test_mean"].rank(ascending=False, method="min")
    table = rows.groupby(["model", "family"], as_index=False).agg(
        mean_rank=("rank", "mean"), mean_accuracy=("test_mean", "mean"), dimensions=("setting", "nunique")
    )
    return table.sort_values(["mean_rank", "model"], ignore_index=True)


AGREEMENT = 0.03  # a cell agrees with the paper within this many accuracy points, or within two standard errors


def paper_comparison(summary: pd.DataFrame) -> pd.DataFrame:
    """Our test accuracies beside the published ones (qnn/data/paper_best.csv) at the same task label (variant),
    task parameters, dimension and model: both means and standard errors over seeds, the difference (ours − paper),
    its standard error √(sem_ours² + sem_paper²), and whether they agree (|difference| ≤ 0.03 or ≤ 2 standard
    errors)."""
    path = resources.files("qnn") / "data" / "paper_best.csv"
    with resources.as_file(path) as local:
        paper = pd.read_csv(local, comment="#")
    paper = paper.rename(
        columns={"test_accuracy_mean": "paper_mean", "test_accuracy_std": "paper_std", "test_accuracy_sem": "paper_sem"}
    )
    ours = summary[["label", "task", "task_params", "dimension", "model", "test_mean", "test_std", "test_sem",
                    "n_seeds"]]  # fmt: skip
    # The published table names generator arguments, not which draw of the data (ours or the paper's own).
    ours = ours.assign(published_params=[_published_params(p) for p in ours["task_params"]])
    paper = paper.rename(columns={"variant": "label", "task_params": "published_params"})  # label: its result folder
    keys = ["label", "task", "published_params", "dimension", "model"]
    joined = ours.merge(paper[[*keys, "paper_mean", "paper_std", "paper_sem", "results_source"]], on=keys)
    joined = joined.drop(columns="published_params")
    joined["difference"] = joined["test_mean"] - joined["paper_mean"]
    joined["difference_se"] = (joined["test_sem"].fillna(0) ** 2 + joined["paper_sem"] ** 2) ** 0.5
    margin = joined["difference"].abs()
    joined["agrees"] = (margin <= AGREEMENT) | (margin <= 2 * joined["difference_se"])
    return joined.rename(columns={"results_source": "source"})


def _published_params(task_params: str) -> str:
    from qnn.bench.presets import published_params

    return json.dumps(published_params(json.loads(task_params)), sort_keys=True)


def summary_table(database: str | Path) -> str:
    """A short text table: per task and dimension, the best quantum and the best classical model, then the
    plain-language summary."""
    summary = summarise(read_results(database))
    lines = []
    for (task, _, dimension), group in summary.groupby(["label", "setting", "dimension"]):
        quantum = group[group["family"].isin(QUANTUM_FAMILIES)]
        classical = group[group["family"] == "classical"]
        setting = "" if group["axis"].iloc[0] == "dimension" else f" {group['axis'].iloc[0]}={group['setting'].iloc[0]}"
        lines.append({"task": task + setting, "d": dimension, **_best("quantum", quantum),
                      **_best("classical", classical)})  # fmt: skip
    table = pd.DataFrame(lines).to_string(index=False) if lines else "(no final fits yet)"
    return table + "\n" + "\n".join(sentences(facts(summary)))


def _best(label: str, rows: pd.DataFrame) -> dict:
    if not len(rows):
        return {f"best {label}": "-", f"{label} acc": "-"}
    row = rows.loc[rows["test_mean"].idxmax()]
    return {f"best {label}": row["model"], f"{label} acc": f"{row['test_mean']:.3f} ± {row['test_std']:.3f}"}


def markdown_table(frame: pd.DataFrame, floats: str = "{:.3f}") -> str:
    """A GitHub-flavoured markdown table of `frame` (its index becomes the first column when it is named)."""
    frame = frame.reset_index() if frame.index.name is not None else frame
    header = [str(c) for c in frame.columns]
    cell = lambda v: floats.format(v) if isinstance(v, float) else str(v)  # noqa: E731
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def write_report(out: str | Path) -> Path:
    """Write `<out>/report.md` and its PNGs from `<out>/results.sqlite`; returns the report's path."""
    out = Path(out)
    results = read_results(out / DATABASE)
    if not (results["fold"] == "final").any():
        raise ValueError(f"{out / DATABASE} holds no final fits yet; run the sweep first")
    summary = summarise(results)
    lines = ["# Benchmark report", "", *_overview(results), *_failures(out / DATABASE), "", "## Summary", ""]
    lines += [f"- {line}" for line in sentences(facts(summary))]
    for task in sorted(summary["label"].unique()):
        figure = _accuracy_figure(summary[summary["label"] == task], task, out)
        lines += ["", f"## {task}", "", f"![accuracy against dimension]({figure.name})", ""]
        lines += ["Test accuracy (mean ± std over seeds):", "", markdown_table(accuracy_table(summary, task)), ""]
        lines += ["Rank (1 = most accurate, averaged over dimensions):", "", markdown_table(rank_table(summary, task))]
    gains = classical_gains(summary)
    figure = plots.accuracy_vs_fit_time(summary, out / "accuracy_vs_fit_time.png")
    lines += ["", "## Cost", "", f"![accuracy against fit time]({figure.name})"]
    if len(gains):
        figure = plots.benefit_vs_cost(gains, out / "benefit_vs_cost.png")
        lines += ["", f"![benefit against cost]({figure.name})"]
    lines += ["", _cost_table(summary)]
    lines += ["", "## Published results", "", *_paper_section(summary, results)]
    path = out / REPORT
    path.write_text("\n".join(lines) + "\n")
    return path


def _accuracy_figure(rows: pd.DataFrame, task: str, out: Path) -> Path:
    """Accuracy against the task's setting: its dimension, or the argument its variant varies."""
    axis = rows["axis"].iloc[0]
    if axis == "dimension":
        return plots.accuracy_vs_dimension(rows, rows["task"].iloc[0], out / f"accuracy_vs_dimension_{task}.png")
    view = rows.assign(task=task, dimension=rows["setting"])
    return plots.accuracy_vs_dimension(view, task, out / f"accuracy_vs_{axis}_{task}.png", axis=axis)


def _overview(results: pd.DataFrame) -> list[str]:
    finals = results[results["fold"] == "final"]
    methods = ", ".join(sorted(results["energy_method"].unique()))
    return [
        f"{len(results)} fits ({len(finals)} final, {len(results) - len(finals)} cross-validation) of "
        f"{results['model'].nunique()} models on {results['label'].nunique()} tasks; "
        f"{results['fit_seconds'].sum():.0f} s of fitting, {results['joules'].sum():.3g} J, "
        f"{results['co2_grams'].sum():.3g} g CO2e (energy: {methods}).",
        "Final fits train on the training split and score on the test split; "
        + (
            "the hyperparameters were chosen by cross-validation on the training split."
            if len(finals) < len(results)
            else "their hyperparameters were given, not searched (no cross-validation fits)."
        ),
    ]


def _failures(database: Path) -> list[str]:
    """A table of the fits that raised, by model and reason (none: nothing)."""
    from qnn.bench.store import ResultStore

    with ResultStore(database) as store:
        failed = pd.DataFrame(store.failures())
    if not len(failed):
        return []
    table = failed.groupby(["model", "error", "reason"], as_index=False).agg(
        fits=("config_hash", "count"), dimensions=("dimension", lambda d: ", ".join(map(str, sorted(set(d)))))
    )
    return ["", f"Failed fits: {len(failed)}, stored with their reasons (`--retry-failed` runs them again):", "",
            markdown_table(table)]  # fmt: skip


def _cost_table(summary: pd.DataFrame) -> str:
    cost = summary.groupby(["model", "family"], as_index=False).agg(
        fit_seconds=("fit_seconds", "mean"),
        joules=("joules", "mean"),
        co2_grams=("co2_grams", "mean"),
        n_params=("n_params", "mean"),
        n_qubits=("n_qubits", "max"),
    )
    return "Mean cost of one final fit:\n\n" + markdown_table(cost, floats="{:.3g}")


def _paper_section(summary: pd.DataFrame, results: pd.DataFrame) -> list[str]:
    compared = paper_comparison(summary)
    if not len(compared):
        return ["No task, dimension and model of this sweep matches a published result we ship "
                "(qnn/data/paper_best.csv)."]  # fmt: skip
    n_train = results.loc[results["task"] == "mnist_pca", "n_train"].max()
    mnist = f"; our MNIST fits trained on {n_train} images (the paper: 11,552)" if n_train == n_train else ""
    columns = ["label", "task_params", "dimension", "model", "test_mean", "test_sem", "paper_mean", "paper_sem",
               "difference", "difference_se", "agrees"]  # fmt: skip
    return [
        f"Bowles, Ahmed & Schuld (2024), arXiv:2403.07059: the mean test accuracy over seeds of their best "
        f"configuration beside ours, with standard errors (sem) over seeds. {int(compared['agrees'].sum())} of "
        f"{len(compared)} cells agree (within {AGREEMENT} or two standard errors of the difference){mnist}. "
        f"Sources: qnn/data/paper_best.csv.",
        "",
        markdown_table(compared[columns]),
    ]
