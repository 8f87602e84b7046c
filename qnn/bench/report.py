"""`<out>/report.md` and its PNG figures, computed from the results database alone.

Example:
    >>> path = write_report("bench-out")  # doctest: +SKIP
"""

from __future__ import annotations

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
    """One row per task, dimension and model over its final fits: test accuracy mean and std over seeds, and the
    means of fit time, energy and CO2 per fit, parameters, qubits and circuit executions."""
    finals = results[results["fold"] == "final"]
    keys = ["task", "dimension", "model", "family", "base_model", "task_params"]
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
    return summary.sort_values(keys[:3], ignore_index=True)


def classical_gains(summary: pd.DataFrame) -> pd.DataFrame:
    """Per quantum model (ablations included), task and dimension: accuracy points over the best classical model
    at the same task and dimension (`gain`), beside the model's energy per fit."""
    best = summary[summary["family"] == "classical"].groupby(["task", "dimension"])["test_mean"].max()
    quantum = summary[summary["family"].isin(QUANTUM_FAMILIES)].copy()
    quantum["best_classical"] = [
        best.get((t, d), math.nan) for t, d in zip(quantum["task"], quantum["dimension"], strict=True)
    ]
    quantum["gain"] = 100 * (quantum["test_mean"] - quantum["best_classical"])
    return quantum.dropna(subset=["gain"])


def facts(summary: pd.DataFrame) -> dict:
    """The numbers behind the plain-language summary, all from `summary`."""
    gains = classical_gains(summary)
    per_point = gains.groupby(["task", "dimension"]).agg(best=("test_mean", "max"), classical=("best_classical", "max"))
    pairs = summary.pivot_table(index=["task", "dimension", "base_model"], columns="family", values="test_mean")
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
    """Models by dimension, cells "mean ± std" of the test accuracy."""
    rows = summary[summary["task"] == task]
    cells = rows.assign(cell=[f"{m:.3f} ± {s:.3f}" for m, s in zip(rows["test_mean"], rows["test_std"], strict=True)])
    return cells.pivot(index="model", columns="dimension", values="cell").fillna("")


def rank_table(summary: pd.DataFrame, task: str) -> pd.DataFrame:
    """Models of one task by mean rank over its dimensions (1: most accurate; ties share the better rank)."""
    rows = summary[summary["task"] == task].copy()
    rows["rank"] = rows.groupby("dimension")["test_mean"].rank(ascending=False, method="min")
    table = rows.groupby(["model", "family"], as_index=False).agg(
        mean_rank=("rank", "mean"), mean_accuracy=("test_mean", "mean"), dimensions=("dimension", "nunique")
    )
    return table.sort_values(["mean_rank", "model"], ignore_index=True)


AGREEMENT = 0.03  # a cell agrees with the paper within this many accuracy points, or within two standard errors


def paper_comparison(summary: pd.DataFrame) -> pd.DataFrame:
    """Our test accuracies beside the published ones (qnn/data/paper_best.csv) at the same task, task parameters,
    dimension and model: both means and standard errors over seeds, the difference (ours − paper), its standard
    error √(sem_ours² + sem_paper²), and whether they agree (|difference| ≤ 0.03 or ≤ 2 standard errors)."""
    path = resources.files("qnn") / "data" / "paper_best.csv"
    with resources.as_file(path) as local:
        paper = pd.read_csv(local, comment="#")
    paper = paper.rename(
        columns={"test_accuracy_mean": "paper_mean", "test_accuracy_std": "paper_std", "test_accuracy_sem": "paper_sem"}
    )
    ours = summary[["task", "task_params", "dimension", "model", "test_mean", "test_std", "test_sem", "n_seeds"]]
    keys = ["task", "task_params", "dimension", "model"]
    joined = ours.merge(paper[[*keys, "paper_mean", "paper_std", "paper_sem", "results_source"]], on=keys)
    joined["difference"] = joined["test_mean"] - joined["paper_mean"]
    joined["difference_se"] = (joined["test_sem"].fillna(0) ** 2 + joined["paper_sem"] ** 2) ** 0.5
    margin = joined["difference"].abs()
    joined["agrees"] = (margin <= AGREEMENT) | (margin <= 2 * joined["difference_se"])
    return joined.rename(columns={"results_source": "source"})


def summary_table(database: str | Path) -> str:
    """A short text table: per task and dimension, the best quantum and the best classical model, then the
    plain-language summary."""
    summary = summarise(read_results(database))
    lines = []
    for (task, dimension), group in summary.groupby(["task", "dimension"]):
        quantum = group[group["family"].isin(QUANTUM_FAMILIES)]
        classical = group[group["family"] == "classical"]
        lines.append({"task": task, "d": dimension, **_best("quantum", quantum), **_best("classical", classical)})
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
    for task in sorted(summary["task"].unique()):
        figure = plots.accuracy_vs_dimension(summary, task, out / f"accuracy_vs_dimension_{task}.png")
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


def _overview(results: pd.DataFrame) -> list[str]:
    finals = results[results["fold"] == "final"]
    methods = ", ".join(sorted(results["energy_method"].unique()))
    return [
        f"{len(results)} fits ({len(finals)} final, {len(results) - len(finals)} cross-validation) of "
        f"{results['model'].nunique()} models on {results['task'].nunique()} tasks; "
        f"{results['fit_seconds'].sum():.0f} s of fitting, {results['joules'].sum():.3g} J, "
        f"{results['co2_grams'].sum():.3g} g CO2e (energy: {methods}).",
        "Final fits train on the training split and score on the test split; the hyperparameters were chosen by "
        "cross-validation on the training split.",
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
    columns = ["task", "dimension", "model", "test_mean", "test_sem", "paper_mean", "paper_sem", "difference",
               "difference_se", "agrees"]  # fmt: skip
    return [
        f"Bowles, Ahmed & Schuld (2024), arXiv:2403.07059: the mean test accuracy over seeds of their best "
        f"configuration beside ours, with standard errors (sem) over seeds. {int(compared['agrees'].sum())} of "
        f"{len(compared)} cells agree (within {AGREEMENT} or two standard errors of the difference){mnist}. "
        f"Sources: qnn/data/paper_best.csv.",
        "",
        markdown_table(compared[columns]),
    ]
