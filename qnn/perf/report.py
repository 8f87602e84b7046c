"""Report `qnn perf` results: a text table, a JSON file and a plot of samples/s against qubits."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

from qnn.perf.timing import Measurement


def ratios(measurements: list[Measurement]) -> dict[tuple[str, int, str], float]:
    """qnn/peer keyed by (peer, n_qubits, dtype), where both were measured: the median of the ratios of
    the turns both were timed in (`Measurement.pair_ratios`), else the ratio of their samples/s."""
    ours = {(m.n_qubits, m.dtype): m.samples_per_s for m in measurements if m.peer == "qnn" and m.samples_per_s}
    out = {}
    for m in measurements:
        base = ours.get((m.n_qubits, m.dtype))
        if m.peer != "qnn" and m.samples_per_s and base:
            out[(m.peer, m.n_qubits, m.dtype)] = (
                statistics.median(m.pair_ratios) if m.pair_ratios else base / m.samples_per_s
            )
    return out


def pair_spread(m: Measurement) -> str:
    """How far qnn/peer moved from turn to turn: the middle half of the pair ratios ("" under two)."""
    if len(m.pair_ratios) < 2:
        return ""
    low, _, high = statistics.quantiles(m.pair_ratios, n=4, method="inclusive")
    return f"{len(m.pair_ratios)} turns, middle half {low:,.1f}–{high:,.1f}×"


def format_table(measurements: list[Measurement]) -> str:
    """One line per measurement: qubits, precision, simulator, samples/s, peak memory (the process's,
    and torch's live tensors in batched states), qnn/peer, note (with how far qnn/peer moved from
    turn to turn)."""
    ratio = ratios(measurements)
    columns = f"{'qubits':>6}  {'dtype':<10}  {'simulator':<16}  {'samples/s':>11}  {'peak MiB':>9}  {'states':>6}"
    header = f"{columns}  {'qnn/peer':>9}  note"
    lines = [header, "-" * len(header)]
    for m in sorted(measurements, key=lambda m: (m.n_qubits, m.dtype)):
        rate = f"{m.samples_per_s:,.1f}" if m.samples_per_s else "-"
        peak = f"{m.peak_bytes / 2**20:,.0f}" if m.peak_bytes is not None else "-"
        states = f"{m.peak_states:.2f}" if m.peak_states is not None else "-"
        r = ratio.get((m.peer, m.n_qubits, m.dtype))
        r_text = f"{r:,.1f}×" if r else "-"
        note = "; ".join(part for part in (pair_spread(m) if r else "", m.note) if part)
        lines.append(
            f"{m.n_qubits:>6}  {m.dtype:<10}  {m.peer:<16}  {rate:>11}  {peak:>9}  {states:>6}  {r_text:>9}  {note}"
        )
    return "\n".join(lines)


def smaller_batches(measurements: list[Measurement], batch: int) -> str:
    """A warning naming the simulators that ran fewer than `batch` samples per step ("" if none): their
    samples/s, and so qnn/peer, are of that smaller batch."""
    smaller = [m for m in measurements if m.samples_per_s and m.batch < batch]
    if not smaller:
        return ""
    names = ", ".join(f"{m.peer} at {m.n_qubits} qubits ({m.dtype}): {m.batch}" for m in smaller)
    return (
        f"Batches smaller than {batch}, to fit the time limit: {names}. A simulator's samples/s can depend on "
        "its batch, so their ratios compare unequal batches; a larger --timeout or fewer --repeats gives "
        "them more samples."
    )


def write_json(measurements: list[Measurement], path: Path, settings: dict) -> None:
    """`settings` (the command's options) and every measurement, its pair ratios and its ratio, as JSON."""
    ratio = ratios(measurements)
    rows = []
    for m in measurements:
        extra = {"peak_states": m.peak_states, "qnn_over_peer": ratio.get((m.peer, m.n_qubits, m.dtype))}
        rows.append(m.as_dict() | extra)
    path.write_text(json.dumps({"settings": settings, "measurements": rows}, indent=2))


def plot(measurements: list[Measurement], path: Path, title: str) -> None:
    """Samples/s against qubits, one line per simulator and precision, log scale."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no window
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    series: dict[tuple[str, str], list[tuple[int, float]]] = {}
    for m in measurements:
        if m.samples_per_s:
            series.setdefault((m.peer, m.dtype), []).append((m.n_qubits, m.samples_per_s))
    for (peer, dtype), points in sorted(series.items()):
        points.sort()
        ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=f"{peer} ({dtype})")
    ax.set_yscale("log")
    ax.set_xlabel("qubits")
    ax.set_ylabel("samples / s (forward + backward)")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
