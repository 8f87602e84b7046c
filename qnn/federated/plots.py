"""The federated run's figure: test accuracy of the global model per round, against the centralised baseline."""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure


def plot_rounds(report: dict, path: Path) -> Path:
    """Draw `report["history"]` (round, test_accuracy) and a horizontal line at `centralised_test_accuracy`;
    writes one PNG to `path` and returns it. `report` is what `run_experiment` returns."""
    rounds = [entry["round"] for entry in report["history"]]
    accuracy = [entry["test_accuracy"] for entry in report["history"]]
    setup = report.get("setup", {})
    fig = Figure(figsize=(5.5, 3.5), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(rounds, accuracy, marker="o", label=f"federated ({setup.get('strategy', 'strategy')})")
    ax.axhline(report["centralised_test_accuracy"], color="black", linestyle="--", label="centralised (pooled data)")
    title = f"{setup.get('model', '')} on {setup.get('task', '')}\n{setup.get('n_clients', '?')} clients, "
    ax.set(xlabel="round", ylabel="test accuracy", title=title + setup.get("partition", ""), ylim=(0, 1.02))
    ax.legend(fontsize=8, loc="lower right")
    fig.savefig(path, dpi=120)
    return Path(path)
