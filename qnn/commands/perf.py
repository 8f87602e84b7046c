"""`qnn perf`: time forward + backward of the standard workload on qnn and on other simulators."""

from __future__ import annotations

import argparse

from qnn.commands import cpu_or_cuda, positive_float, positive_int
from qnn.validation import InvalidArgument

DTYPES = ("complex64", "complex128")
DEFAULT_PEERS = (
    "qnn",
    "default.qubit",
    "default.qubit+jax",
    "tensorcircuit+jax",
    "lightning.qubit",
    "qiskit-ml",
    "torchquantum",
)


def add_command(commands) -> None:
    perf = commands.add_parser(
        "perf",
        help="benchmark qnn's simulator against PennyLane, TensorCircuit-NG, Qiskit ML and TorchQuantum",
        description=(
            "Times forward + backward (loss = sum of outputs, gradients to weights and inputs) of "
            "angle_encoding(n) + strongly_entangling(n, layers), <Z> on every wire, on each simulator, each in "
            "its own process; at each n and precision the simulators take turns, one step each (steps of "
            "milliseconds: the mean of a block filling 0.05 s). Prints "
            "samples/s, peak memory and qnn/peer: the median over the turns of qnn's speed over the peer's "
            "in the same turn."
        ),
    )
    perf.add_argument(
        "--qubits", type=positive_int, nargs="+", default=[4, 8, 12, 16], help="qubit counts (default 4 8 12 16)"
    )
    perf.add_argument("--batch", type=positive_int, default=256, help="samples per step (default 256)")
    perf.add_argument("--layers", type=positive_int, default=4, help="strongly entangling layers (default 4)")
    perf.add_argument("--device", type=cpu_or_cuda, default="cpu", help="torch device: cpu or cuda (default cpu)")
    perf.add_argument(
        "--repeats",
        type=positive_int,
        default=5,
        help="timed turns after a warm-up turn; samples/s is of the median step (default 5)",
    )
    perf.add_argument(
        "--rounds",
        type=positive_int,
        default=1,
        help="measure everything this many times, one round after another (fresh processes), and report "
        "the round of median samples/s; qnn/peer pools the turns of all rounds (default 1)",
    )
    perf.add_argument("--peers", nargs="+", default=list(DEFAULT_PEERS), help="simulators to time (default: all)")
    perf.add_argument("--dtype", nargs="+", choices=DTYPES, default=list(DTYPES), help="precisions (default both)")
    perf.add_argument(
        "--threads", type=positive_int, default=None, help="torch CPU threads per measurement (default: torch's)"
    )
    perf.add_argument(
        "--timeout",
        type=positive_float,
        default=60.0,
        help="seconds for one simulator's steps at one n and precision; a slower one takes a smaller batch "
        "(default 60)",
    )
    perf.add_argument(
        "--max-qiskit-qubits", type=int, default=8, help="largest n timed for qiskit-ml, the slowest (default 8)"
    )
    perf.add_argument("--out", default=None, help="directory for perf.json and perf.png (default: none written)")
    perf.add_argument("--bandwidth", action="store_true", help="also time one gate against a copy of a large state")
    perf.add_argument("--bandwidth-qubits", type=positive_int, default=None, help="state size (default 24, 26 on cuda)")
    perf.add_argument(
        "--busy",
        action="store_true",
        help="instead of the peers: time qnn's step quiet and while one other process spins on a core, turn by "
        "turn, and print the slowdown (the layer's own choice of threads, or --threads)",
    )
    perf.add_argument(
        "--fits",
        nargs="*",
        default=None,
        metavar="MODEL",
        help="instead of the peers: whole fits of the paper's models (all four, or the ones named) on MNIST PCA "
        "d=10 with the paper's best hyperparameters, one thread, beside the paper's published fit times; then "
        "each model's training step beside a PennyLane + JAX (jit) peer of the same model, --repeats turns",
    )
    perf.add_argument(
        "--fit-steps",
        type=int,
        default=50,
        metavar="N",
        help="with --fits: training steps per turn of qnn and of the JAX peer (default 50; 0: no peer)",
    )
    perf.add_argument(
        "--iqp-bound",
        type=positive_int,
        nargs="?",
        const=20,
        default=None,
        metavar="D",
        help="instead of the peers: the state-vector bound of an IQP variational training step on D qubits "
        "(default 20; 15 layers, 10 repeats, batch 32) at this machine's measured bandwidth and GFLOP/s, beside "
        "qnn's measured step",
    )
    perf.add_argument("--quiet", action="store_true", help="no progress bar")
    perf.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    import torch
    from tqdm import tqdm

    from qnn.perf import PEERS, Workload, format_table, median_round, plot, write_json
    from qnn.perf.report import smaller_batches

    if args.busy:
        return _busy(args)
    if args.fits is not None:
        return _fits(args)
    if args.iqp_bound is not None:
        return _iqp_bound(args)
    unknown = [p for p in args.peers if p not in PEERS]
    if unknown:
        raise InvalidArgument(f"unknown peer(s) {unknown}; expected some of: {', '.join(PEERS)}")
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        raise InvalidArgument(f"--device {args.device} was asked for, but torch.cuda.is_available() is False")
    groups = [
        Workload(n, args.layers, args.batch, getattr(torch, dtype), args.device)
        for n in args.qubits
        for dtype in args.dtype
    ]
    # Rounds one after another (every group, then every group again), so that each simulator meets
    # the machine's slow and fast spells alike; within a group the simulators take turns step by step.
    rounds: dict[tuple, list] = {}  # (peer, workload) -> one measurement per round
    # Steps of the bar: each simulator set up, each turn, the end of a group (see `measure_together`).
    per_group = len(args.peers) + args.repeats + 2
    progress = tqdm(total=args.rounds * len(groups) * per_group, desc="qnn perf", disable=args.quiet)
    for _ in range(args.rounds):
        for workload in groups:
            progress.set_postfix_str(f"{workload.n_qubits} qubits, {workload.dtype_name}")
            for result in _measure_group(args, workload, lambda: progress.update()):
                rounds.setdefault((result.peer, workload), []).append(result)
    progress.close()
    results = [median_round(taken) for taken in rounds.values()]
    where = args.device + (f", {args.threads} thread(s)" if args.threads else "")
    median = f"median of {args.repeats}" + (f", median of {args.rounds} rounds" if args.rounds > 1 else "")
    print(f"forward + backward, batch {args.batch}, {args.layers} layers, {where}, {median}")
    print(format_table(results))
    print(
        "peak MiB: on the CPU, the growth of the measuring process's resident memory during the timed steps; "
        "on CUDA, torch's peak allocation above the memory held before them.\n"
        "states: the peak of torch's live tensors during one step, in batched states of the timed batch "
        "(- where the simulator's states are not torch tensors)."
    )
    warning = smaller_batches(results, args.batch)
    if warning:
        print(warning)
    if args.bandwidth:
        _bandwidth(args)
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        settings = {k: v for k, v in vars(args).items() if k != "run"}
        write_json(results, out / "perf.json", settings)
        plot(results, out / "perf.png", f"forward + backward, batch {args.batch}, {args.device}")
        print(f"wrote {out / 'perf.json'} and {out / 'perf.png'}")
    return 0


def _measure_group(args: argparse.Namespace, workload, advance) -> list:
    """Every peer's measurement of `workload`, in the order of `--peers`; qiskit-ml sits out above its limit."""
    from qnn.perf import Measurement, measure_together

    if workload.n_qubits <= args.max_qiskit_qubits or "qiskit-ml" not in args.peers:
        return measure_together(args.peers, workload, args.repeats, args.timeout, args.threads, advance)
    timed = [peer for peer in args.peers if peer != "qiskit-ml"]
    measured = measure_together(timed, workload, args.repeats, args.timeout, args.threads, advance)
    advance()  # qiskit-ml's step of the bar
    results = dict(zip(timed, measured, strict=True))
    note = f"skipped above --max-qiskit-qubits {args.max_qiskit_qubits}"
    results["qiskit-ml"] = Measurement("qiskit-ml", workload.n_qubits, workload.dtype_name, None, note=note)
    return [results[peer] for peer in args.peers]


def _fits(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from qnn.perf.fits import FIT_MODELS, format_fits, time_fits

    models = args.fits or list(FIT_MODELS)
    if args.fit_steps < 0:
        raise InvalidArgument(f"--fit-steps must be 0 or more, got {args.fit_steps}")
    threads = args.threads or 1
    with tqdm(total=len(models), desc="qnn perf --fits", disable=args.quiet, leave=False) as bar:
        results = time_fits(models, threads=threads, progress=lambda m: (bar.set_postfix_str(m), bar.update()))
    print(f"whole fits on MNIST PCA d=10, the paper's best hyperparameters, {threads} thread(s)")
    print(format_fits(results))
    if args.fit_steps:
        _fit_peers(args, {r.model: r.steps for r in results}, threads)
    return 0


def _fit_peers(args: argparse.Namespace, steps: dict[str, int], threads: int) -> None:
    from tqdm import tqdm

    from qnn.perf.fit_peers import compare_steps, format_comparison

    with tqdm(total=len(steps), desc="qnn perf --fits, JAX peer", disable=args.quiet, leave=False) as bar:

        def progress(model: str) -> None:
            bar.set_postfix_str(model)
            bar.update()

        results = compare_steps(steps, args.repeats, args.fit_steps, threads, progress=progress)
    print(
        f"\nthe same models in PennyLane default.qubit + JAX (jit-compiled step, Adam), {threads} thread(s) each: "
        f"median of {args.repeats} turns of {args.fit_steps} steps; fit s = ms per step x qnn's steps"
    )
    print(format_comparison(results))


def _iqp_bound(args: argparse.Namespace, layers: int = 15, repeats: int = 10, batch: int = 32) -> int:
    import torch

    from qnn.perf import measure_bandwidth
    from qnn.perf.bound import iqp_step_bound, measure_gflops

    if args.threads:
        torch.set_num_threads(args.threads)
    n = args.iqp_bound
    copy = measure_bandwidth(24, repeats=args.repeats).copy_gb_per_s
    bound = iqp_step_bound(n, layers, repeats, batch, copy, measure_gflops(repeats=args.repeats))
    print(
        f"IQP variational training step, {n} qubits, {layers} layers, {repeats} repeats, batch {batch}, complex64, "
        f"torch threads {torch.get_num_threads()}\n"
        f"state-vector bound: {bound.seconds:.3g} s ({bound.passes} passes over a {bound.state_bytes / 2**20:,.3g} MiB "
        f"state, {bound.fusion_width} wires per pass: memory {bound.memory_seconds:.3g} s at {copy:.1f} GB/s (a "
        f"copy), compute {bound.compute_seconds:.3g} s at {bound.gflop_per_s:.1f} GFLOP/s (a complex matrix product))"
    )
    timed, times = _time_iqp_step_that_fits(n, layers, repeats, batch)
    if timed < batch:  # the bound is linear in the batch: compare at the batch that ran
        bound = iqp_step_bound(n, layers, repeats, timed, copy, bound.gflop_per_s)
    which = "its second step" if len(times) > 1 else "its first step, planning included"
    print(
        f"qnn measured at batch {timed}: {times[-1]:.3g} s ({which}); bound at that batch {bound.seconds:.3g} s; "
        f"measured / bound = {times[-1] / bound.seconds:.1f}x"
    )
    return 0


def _time_iqp_step_that_fits(n: int, layers: int, repeats: int, batch: int) -> tuple[int, list[float]]:
    """(batch, step seconds) at `batch`, or, where the simulator refuses it for memory, at the largest power-of-two
    fraction of it that it accepts (the refusal is printed)."""
    from qnn import SimulatorMemoryError
    from qnn.perf.bound import time_iqp_step

    while True:
        try:
            return batch, time_iqp_step(n, layers, repeats, batch)  # 2 steps if the first is under 2 min
        except SimulatorMemoryError as refused:
            if batch == 1:
                raise
            print(f"at batch {batch}: {refused}")
            batch //= 2


def _busy(args: argparse.Namespace) -> int:
    import torch
    from tqdm import tqdm

    from qnn.perf import Workload
    from qnn.perf.busy import busy_slowdown

    if args.threads:
        torch.set_num_threads(args.threads)
    dtype = getattr(torch, args.dtype[0])
    print(
        f"forward + backward with one other process spinning, batch {args.batch}, {args.dtype[0]}, "
        f"torch threads {torch.get_num_threads()} (a layer may choose fewer), median of {args.repeats} turns"
    )
    print(f"{'n':>3} {'quiet ms':>10} {'busy ms':>10} {'busy/quiet':>11}")
    for n in tqdm(args.qubits, desc="qnn perf --busy", disable=args.quiet, leave=False):
        result = busy_slowdown(Workload(n, args.layers, args.batch, dtype, args.device), turns=args.repeats)
        print(f"{n:>3} {1e3 * result.quiet_seconds:>10.2f} {1e3 * result.busy_seconds:>10.2f} {result.ratio:>10.2f}x")
    return 0


def _bandwidth(args: argparse.Namespace) -> None:
    from qnn.perf import measure_bandwidth

    n = args.bandwidth_qubits or (26 if args.device.startswith("cuda") else 24)
    result = measure_bandwidth(n, args.device, repeats=args.repeats)
    print(
        f"one-qubit gate on a {n}-qubit state ({result.state_bytes / 2**20:,.0f} MiB, {args.device}): "
        f"{result.gate_gb_per_s:,.1f} GB/s; copy: {result.copy_gb_per_s:,.1f} GB/s; "
        f"gate / copy bandwidth = {result.fraction_of_copy:.0%}"
    )
