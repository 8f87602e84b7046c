"""The report's figures, drawn from the per-model summary table of `qnn.bench.report.summarise`.

Every function takes that table (one row per task, dimension and model: `test_mean`, `test_std`, `family`,
`base_model`, `fit_seconds`, `joules`, ...) and a path, writes one PNG and returns the path.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
from matplotlib.figure import Figure

FAMILY_STYLE = {  # quantum models solid, their ablations dashed, classical baselines dotted squares
    "quantum": {"linestyle": "-", "marker": "o"},
    "ablation": {"linestyle": "--", "marker": "o", "markerfacecolor": "none"},
    "classical": {"linestyle": ":", "marker": "s"},
}


def _colours(summary) -> dict[str, str]:
    # One colour per base model, so a quantum model, its ablation and its matched MLP share it.
    cycle = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    names = list(dict.fromkeys(summary.sort_values("family", key=lambda f: f != "quantum")["base_model"]))
    return {name: cycle[i % len(cycle)] for i, name in enumerate(names)}


def accuracy_vs_dimension(summary, task: str, path: Path, axis: str = "input dimension d") -> Path:
    """Test accuracy (mean ± std over seeds) against input dimension for every model on one task (`axis`: the
    x-axis label, when `dimension` holds the setting a task variant varies instead)."""
    colours = _colours(summary)
    rows = summary[summary["task"] == task]
    fig, ax = _figure()
    for model, group in rows.groupby("model", sort=True):
        group = group.sort_values("dimension")
        family, base = group["family"].iloc[0], group["base_model"].iloc[0]
        ax.errorbar(group["dimension"], group["test_mean"], yerr=group["test_std"], label=model, color=colours[base],
                    capsize=2, **FAMILY_STYLE[family])  # fmt: skip
    ax.set(xlabel=axis, ylabel="test accuracy", title=f"{task}: accuracy against {axis.split()[-1]}")
    ax.legend(fontsize=7, loc="best")
    return _save(fig, path)


def accuracy_vs_fit_time(summary, path: Path) -> Path:
    """Test accuracy against mean fit time of every model, task and dimension (log time axis)."""
    fig, ax = _figure()
    for family, group in summary.groupby("family"):
        style = FAMILY_STYLE[family]
        ax.scatter(group["fit_seconds"], group["test_mean"], label=family, marker=style["marker"], alpha=0.7)
    ax.set(xscale=_log_if_positive(summary["fit_seconds"]), xlabel="fit time per final fit (s)",
           ylabel="test accuracy", title="accuracy against time")  # fmt: skip
    ax.legend()
    return _save(fig, path)


def benefit_vs_cost(gains, path: Path) -> Path:
    """Accuracy gained over the best classical baseline against the energy of a fit, per quantum model and d.

    `gains` has columns `model`, `family`, `base_model`, `dimension`, `gain` (accuracy points) and `joules`.
    """
    colours = _colours(gains)
    fig, ax = _figure()
    for model, group in gains.groupby("model", sort=True):
        colour = colours[group["base_model"].iloc[0]]
        hollow = group["family"].iloc[0] == "ablation"  # an ablation: its model's colour, hollow
        ax.scatter(group["joules"], group["gain"], label=model, edgecolors=colour, alpha=0.8,
                   facecolors="none" if hollow else colour)  # fmt: skip
        for _, row in group.iterrows():
            ax.annotate(str(row["dimension"]), (row["joules"], row["gain"]), fontsize=6, alpha=0.6)
    ax.axhline(0.0, color="0.5", linewidth=0.8)
    ax.set(xscale=_log_if_positive(gains["joules"]), xlabel="energy per final fit (J)",
           ylabel="accuracy points over best classical", title="benefit against cost (labels: dimension)")  # fmt: skip
    ax.legend(fontsize=7)
    return _save(fig, path)


def _log_if_positive(values) -> str:
    """A log axis, or a linear one where some value is 0: a fit shorter than the CPU clock's tick measures 0 J."""
    return "log" if (values > 0).all() else "linear"


def _figure():
    # A bare Figure, not pyplot: files only, so no display is needed and the user's backend is left alone.
    fig = Figure(figsize=(7, 4.5))
    return fig, fig.subplots()


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return Path(path)
