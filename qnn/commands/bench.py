"""`qnn bench`: run a benchmark sweep (a preset or a TOML/YAML file), resumable, then write its report."""

from __future__ import annotations

import argparse

from qnn.commands import non_negative_float, positive_float, positive_int
from qnn.validation import InvalidArgument


def add_command(commands) -> None:
    bench = commands.add_parser(
        "bench",
        help="benchmark quantum models against classical baselines and write a report",
        description="Run a sweep: grid search by cross-validation, the best configurations retrained per seed, "
        "every fit stored in <out>/results.sqlite. Re-running the same command skips finished fits.",
    )
    source = bench.add_mutually_exclusive_group()
    source.add_argument("--preset", choices=["quick", "paper", "paper-best"], help="a named sweep (default quick)")
    source.add_argument("--config", metavar="FILE", help="a sweep file (.toml, .yaml or .yml)")
    bench.add_argument(
        "--tasks",
        type=lambda text: [name.strip() for name in text.split(",") if name.strip()],
        metavar="NAME[,NAME...]",
        help="run only these of the sweep's tasks (e.g. mnist_pca,linearly_separable), to run a large sweep in parts",
    )
    bench.add_argument(
        "--models",
        type=lambda text: [name.strip() for name in text.split(",") if name.strip()],
        metavar="NAME[,NAME...]",
        help="run only these of the sweep's models (e.g. MLPClassifier,SVC; each with its ablation and matched MLP), "
        "to run a large sweep in parts",
    )
    bench.add_argument(
        "--dimensions",
        type=_dimension_list,
        metavar="D[,D...]",
        help="run only these input dimensions of the sweep's tasks (e.g. 15,16), to run a large sweep in parts",
    )
    bench.add_argument("--out", default="bench-out", help="folder of the database and report (default bench-out)")
    bench.add_argument(
        "--jobs",
        type=positive_int,
        default=None,
        help="local worker processes (default: one per CPU core; 1 runs in-process)",
    )
    bench.add_argument("--executor", choices=["local", "ray"], default="local", help="where fits run (default local)")
    bench.add_argument("--address", help="Ray cluster address for --executor ray (default auto; 'local' starts one)")
    bench.add_argument(
        "--power-watts",
        type=positive_float,
        help="watts per busy core for the energy estimate where RAPL is unreadable (default: CodeCarbon's model)",
    )
    bench.add_argument(
        "--grid-intensity", type=non_negative_float, help="grid carbon intensity in gCO2e/kWh (default 475)"
    )
    bench.add_argument(
        "--retry-failed", action="store_true", help="run again the fits stored as failures (default: skip them)"
    )
    bench.add_argument(
        "--estimate",
        action="store_true",
        help="measure what each kind of fit costs here, print the number of fits and the time they would take "
        "(on this machine and on --ray-workers Ray workers), and stop",
    )
    bench.add_argument(
        "--ray-workers", type=positive_int, default=64, help="workers of the Ray estimate of --estimate (default 64)"
    )
    bench.add_argument("--quiet", action="store_true", help="no progress bar")
    bench.add_argument("--no-report", action="store_true", help="skip writing <out>/report.md")
    bench.set_defaults(run=run)


def _dimension_list(text: str) -> list[int]:
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts or not all(part.isdigit() and int(part) > 0 for part in parts):
        raise argparse.ArgumentTypeError(f"expected positive integers separated by commas (e.g. 15,16), got {text!r}")
    return [int(part) for part in parts]


def _cpu_cores() -> int:
    import os

    # The cores this process may use (a container or taskset may allow fewer than the machine has).
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from qnn.bench import ResultStore, load_sweep, make_executor, presets, run_sweep
    from qnn.bench.config import restricted, restricted_to_dimensions, restricted_to_models
    from qnn.bench.report import DATABASE, summary_table, write_report

    if args.executor != "ray" and args.address:
        raise InvalidArgument("--address needs --executor ray")
    config = load_sweep(args.config) if args.config else presets.preset(args.preset or "quick")
    if args.tasks:
        config = restricted(config, args.tasks)
    if args.models:
        config = restricted_to_models(config, args.models)
    if args.dimensions:
        config = restricted_to_dimensions(config, args.dimensions)
    if args.estimate:
        print(_estimate_text(config, args.jobs or _cpu_cores(), args.ray_workers, not args.quiet))
        return 0
    executor = make_executor(args.executor, args.jobs or _cpu_cores(), args.address)
    out = Path(args.out)
    try:
        with ResultStore(out / DATABASE) as store:
            counts = run_sweep(
                config, store, executor, not args.quiet, power_watts=args.power_watts,
                grid_gco2_per_kwh=args.grid_intensity, retry_failed=args.retry_failed,
            )  # fmt: skip
    finally:
        executor.close()
    print(
        f"{counts.get('ran', 0)} fits run ({counts.get('failed', 0)} failed), {counts.get('skipped', 0)} already in "
        f"{out / DATABASE}, {counts.get('elsewhere', 0)} run by another sweep sharing it"
    )
    print(summary_table(out / DATABASE))
    if not args.no_report:
        print(f"report: {write_report(out)}")
    return 0


MOST_COSTLY_CELLS = 10  # listed by --estimate, to show which cells to leave for a cluster


def _estimate_text(config, cores: int, ray_workers: int, progress: bool) -> str:
    from qnn.bench.estimate import estimate_sweep

    estimate = estimate_sweep(config, progress=progress)
    lines = [f"{estimate.n_fits} fits"]
    for reason, count in sorted(estimate.failures.items()):
        lines.append(f"  {count} expected to fail: {reason}")
    lines.append("wall time (hours; from the earliest stop the convergence rule allows to max_steps):")
    for label, workers in (("one process", 1), (f"this machine, {cores} workers", cores),
                           (f"Ray, {ray_workers} workers", ray_workers)):  # fmt: skip
        low, high = estimate.wall_hours(workers)
        lines.append(f"  {label}: {low:.3g} to {high:.3g}")
    cells = sorted(estimate.cell_hours().items(), key=lambda item: -item[1][1])[:MOST_COSTLY_CELLS]
    lines.append(f"the {len(cells)} costliest cells (hours of one process, every seed and fold):")
    lines += [f"  {task} d={d} {model}: {low:.3g} to {high:.3g}" for (task, d, model), (low, high) in cells]
    return "\n".join(lines)
