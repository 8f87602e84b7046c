"""Time `qnn.qiskit.Estimator` against Qiskit's `StatevectorEstimator` on one batched PUB; print medians and ratios.

Usage: python benchmarks/qiskit_estimator.py [--qubits 8 10 12] [--batch 64] [--repeats 3]

The two estimators run alternately, so that load from other work on the machine falls on both.
"""

import argparse
import statistics
import time

import numpy as np
import torch
from qiskit.circuit.library import efficient_su2
from qiskit.primitives import StatevectorEstimator
from qiskit.quantum_info import SparsePauliOp

from qnn.qiskit import Estimator


def pub(n_qubits: int, batch: int, per_qubit: bool, rng: np.random.Generator):
    qc = efficient_su2(n_qubits, reps=2)
    values = rng.uniform(-np.pi, np.pi, (batch, 1, qc.num_parameters))
    if per_qubit:  # one <Z> per qubit, as a QNN's outputs: shape (batch, n_qubits)
        observables = [SparsePauliOp("I" * (n_qubits - 1 - q) + "Z" + "I" * q) for q in range(n_qubits)]
    else:
        observables = [SparsePauliOp("Z" * n_qubits)]
    return (qc, observables, values)


def seconds(estimator, job) -> float:
    start = time.perf_counter()
    estimator.run([job]).result()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qubits", type=int, nargs="+", default=[8, 10, 12])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"torch threads: {torch.get_num_threads()}, batch {args.batch}, efficient_su2(reps=2)")
    print("qubits  observables  qnn median s  Statevector median s  ratio")
    for n in args.qubits:
        for per_qubit in (False, True):
            job = pub(n, args.batch, per_qubit, rng)
            ours, theirs = Estimator(), StatevectorEstimator()
            seconds(ours, job)  # import and plan once, as a training loop would
            times = {"qnn": [], "statevector": []}
            for _ in range(args.repeats):
                times["qnn"].append(seconds(ours, job))
                times["statevector"].append(seconds(theirs, job))
            a, b = statistics.median(times["qnn"]), statistics.median(times["statevector"])
            print(f"{n:6d}  {n if per_qubit else 1:11d}  {a:12.4f}  {b:20.4f}  {b / a:5.1f}x")


if __name__ == "__main__":
    main()
