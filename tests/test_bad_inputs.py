"""Bad input, as a new user gives it, across the public surface: each is refused with a clear error.

Every row is one call, the error type it must raise and a phrase its message must contain (the argument's
name or what was expected). CLI rows run `qnn` in-process and must exit with code 2 and no traceback.
"""

from __future__ import annotations

import contextlib
import io
import math
import sqlite3

import numpy as np
import pytest
import torch
from torch import nn

import circuits
from circuits import Const, Input, InputProduct, Operation, Weight
from qnn import PauliSum, QuantumLayer, SimulatorBackend, TrainConfig, get_backend, measure_energy, train
from qnn.bench import ModelSpec, SweepConfig, TaskSpec, load_sweep
from qnn.bench.config import sweep_from_dict
from qnn.cli import main
from qnn.observables import parse_observables

NAN, INF = math.nan, math.inf
CUDA = torch.cuda.is_available()


class CliRefusal(Exception):
    """`qnn` exited with code 2 and printed no traceback; the message is the last line of its stderr."""


def qnn(*argv: str) -> None:
    """Run `qnn argv`; raise `CliRefusal` if it refused the input as a user's mistake should be refused."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(list(argv))
        except SystemExit as exit_:
            code = exit_.code
    text = err.getvalue().strip()
    if code == 2 and text and "Traceback" not in text:
        raise CliRefusal(text.splitlines()[-1])
    raise AssertionError(f"qnn {' '.join(argv)} exited with {code!r}, stderr: {text!r}")


def circuit(rotation: str = "X") -> circuits.Circuit:
    return circuits.angle_encoding(2) + circuits.basic_entangler(2, n_layers=1, rotation=rotation)


def layer(**kwargs) -> QuantumLayer:
    return QuantumLayer(circuit(), **kwargs)


SWEEP = """
n_folds = 2
seeds = [0]

[[tasks]]
name = "linearly_separable"
dimensions = [2]
n_samples = 40

[[models]]
name = "SVC"
grid = {C = [1.0]}
"""


def sweep_file(tmp, text: str, suffix: str = ".toml") -> str:
    path = tmp / f"sweep{suffix}"
    path.write_text(text)
    return str(path)


def bench(tmp, text: str, suffix: str = ".toml") -> None:
    qnn("bench", "--config", sweep_file(tmp, text, suffix), "--out", str(tmp / "out"), "--jobs", "1", "--quiet")


def not_a_journal(tmp, content: bytes) -> None:
    path = tmp / "jobs.sqlite"
    path.write_bytes(content)
    qnn("jobs", "--journal", str(path), "list")


def sqlite_without_jobs(tmp) -> None:
    path = tmp / "results.sqlite"
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE fits (x)")
        db.commit()
    qnn("jobs", "--journal", str(path), "list")


def task(**fields) -> TaskSpec:
    return TaskSpec(**{"name": "linearly_separable", "dimensions": [2], **fields})


def model(**fields) -> ModelSpec:
    return ModelSpec(**{"name": "SVC", **fields})


def sweep(**fields) -> SweepConfig:
    return SweepConfig(**{"tasks": [task()], "models": [model()], **fields})


def tiny_fit(**config) -> None:
    train(nn.Linear(2, 2), torch.zeros(4, 2), torch.zeros(4, dtype=torch.long), TrainConfig(**config))


def quantum_classifier(name: str = "DataReuploadingClassifier", **params) -> None:
    import qnn.models

    X = np.random.default_rng(0).normal(size=(8, 2))
    getattr(qnn.models, name)(**{"max_steps": 1, **params}).fit(X, np.arange(8) % 2)


def explain(X=None, **kwargs) -> None:
    from qnn.explain import attributions

    attributions(nn.Linear(2, 2), torch.zeros(2, 2) if X is None else X, **kwargs)


def fingerprint_mismatch(tmp) -> None:
    QuantumLayer(circuit("Y")).load_state_dict(QuantumLayer(circuit("X")).state_dict())


# (call, error type, phrase of the message); the call takes pytest's tmp_path.
BAD_INPUTS = {
    # circuits: wires, gates, parameters
    "wire-float": (lambda tmp: Operation("RX", (0.5,), (0.1,)), TypeError, "wires must be integers"),
    "wire-str": (lambda tmp: Operation("RX", ("0",), (0.1,)), TypeError, "wires must be integers"),
    "wire-bool": (lambda tmp: Operation("RX", (True,), (0.1,)), TypeError, "wires must be integers"),
    "wire-not-tuple": (lambda tmp: Operation("RX", 0, (0.1,)), TypeError, "wires must be a tuple"),
    "wire-negative": (lambda tmp: Operation("RX", (-1,), (0.1,)), ValueError, "wires must be >= 0"),
    "wire-repeated": (lambda tmp: Operation("CNOT", (1, 1)), ValueError, "wires must be distinct"),
    "wire-out-of-range": (
        lambda tmp: circuits.Circuit.of(1, [Operation("CNOT", (0, 1))]),
        ValueError,
        "out of range for 1 qubits",
    ),
    "gate-unknown": (lambda tmp: Operation("RQ", (0,), (0.1,)), ValueError, "unknown gate 'RQ'"),
    "gate-param-count": (lambda tmp: Operation("RX", (0,)), ValueError, "takes 1 parameter"),
    "param-nan": (lambda tmp: Operation("RX", (0,), (NAN,)), ValueError, "Const value must be a finite"),
    "param-inf": (lambda tmp: Operation("RX", (0,), (INF,)), ValueError, "Const value must be a finite"),
    "param-bool": (lambda tmp: Operation("RX", (0,), (True,)), TypeError, "gate parameter must be"),
    "param-str": (lambda tmp: Operation("RX", (0,), ("0.5",)), TypeError, "gate parameter must be"),
    "const-nan": (lambda tmp: Const(NAN), ValueError, "Const value must be a finite"),
    "const-str": (lambda tmp: Const("pi"), TypeError, "Const value must be a real number"),
    "input-index-float": (lambda tmp: Input(1.5), TypeError, "Input index must be an integer"),
    "input-scale-nan": (lambda tmp: Input(0, scale=NAN), ValueError, "Input scale must be a finite"),
    "input-shift-inf": (lambda tmp: Input(0, shift=-INF), ValueError, "Input shift must be a finite"),
    "input-product-empty": (lambda tmp: InputProduct(()), TypeError, "one or more Input records"),
    "input-product-scale-nan": (lambda tmp: InputProduct((Input(0),), NAN), ValueError, "InputProduct scale"),
    "weight-index-str": (lambda tmp: Weight("w0"), TypeError, "Weight index must be an integer"),
    "circuit-zero-qubits": (lambda tmp: circuits.Circuit(0), ValueError, "n_qubits must be a positive integer"),
    "circuit-float-qubits": (lambda tmp: circuits.Circuit(2.0), ValueError, "n_qubits must be a positive integer"),
    "circuit-reads-missing-input": (
        lambda tmp: circuits.Circuit(1, (Operation("RX", (0,), (Input(3),)),), n_inputs=1),
        ValueError,
        "reads input 3",
    ),
    "angle-encoding-zero": (lambda tmp: circuits.angle_encoding(0), ValueError, "n_qubits must be"),
    "angle-encoding-rotation": (lambda tmp: circuits.angle_encoding(2, rotation="W"), ValueError, "rotation must be"),
    "tree-tensor-three": (lambda tmp: circuits.tree_tensor(3), ValueError, "power of two"),
    "ranges-multiple": (
        lambda tmp: circuits.strongly_entangling(2, 1, ranges=[2]),
        ValueError,
        "must not be a multiple of n_qubits",
    ),
    "amplitude-too-many": (
        lambda tmp: circuits.amplitude_encoding(2, n_features=5),
        ValueError,
        "n_features must be an integer from 1",
    ),
    "reupload-not-circuit": (
        lambda tmp: circuits.reupload(circuits.angle_encoding(2), "ansatz", 2),
        TypeError,
        "ansatz must be a Circuit",
    ),
    # observables
    "observable-nan": (
        lambda tmp: parse_observables({"ZZ": NAN}, 2),
        ValueError,
        "coefficient of 'ZZ' must be a finite",
    ),
    "observable-inf": (lambda tmp: parse_observables([[(INF, "XI")]], 2), ValueError, "must be a finite number"),
    "observable-paulisum-nan": (
        lambda tmp: parse_observables(PauliSum(((NAN, "Z"),)), 1),
        ValueError,
        "must be a finite number",
    ),
    "observable-layer-nan": (lambda tmp: layer(observables={"ZI": NAN}), ValueError, "must be a finite number"),
    "observable-letter": (lambda tmp: parse_observables("ZQ", 2), ValueError, "letters must be I, X, Y or Z"),
    "observable-too-long": (lambda tmp: parse_observables("ZZZ", 2), ValueError, "longer than the circuit's 2"),
    "observable-empty-list": (lambda tmp: parse_observables([], 2), ValueError, "must not be empty"),
    "observable-number": (lambda tmp: parse_observables(5, 2), TypeError, "observables must be a Pauli word"),
    "observable-str-coefficient": (lambda tmp: parse_observables({"ZZ": "1"}, 2), TypeError, "real number"),
    "observable-complex": (lambda tmp: parse_observables({"ZZ": 1j}, 2), TypeError, "real number"),
    # QuantumLayer
    "layer-circuit-str": (lambda tmp: QuantumLayer("RX(0)"), TypeError, "circuit must be a circuits.Circuit"),
    "layer-dtype-real": (lambda tmp: layer(dtype=torch.float32), TypeError, "dtype must be torch.complex64"),
    "layer-shots-zero": (lambda tmp: layer(shots=0), ValueError, "shots must be None or a positive integer"),
    "layer-shots-float": (lambda tmp: layer(shots=100.0), ValueError, "shots must be None or a positive integer"),
    "layer-init-reversed": (lambda tmp: layer(init=(1.0, 0.0)), ValueError, "low < high"),
    "layer-init-name": (lambda tmp: layer(init="uniform"), TypeError, "init must be a (low, high) range"),
    "layer-generator-seed": (lambda tmp: layer(generator=0), TypeError, "generator must be a torch.Generator"),
    "layer-backend-unknown": (lambda tmp: layer(backend="qsim"), ValueError, "unknown backend 'qsim'"),
    "layer-backend-number": (lambda tmp: layer(backend=3), TypeError, "backend must be a name"),
    "layer-input-width": (lambda tmp: layer()(torch.zeros(3, 3)), ValueError, "inputs must have shape (batch, 2)"),
    "layer-input-list": (lambda tmp: layer()([[0.0, 0.0]]), TypeError, "inputs must be a torch.Tensor"),
    "layer-input-int": (lambda tmp: layer()(torch.zeros(3, 2, dtype=torch.long)), TypeError, "floating-point"),
    "layer-input-nan": (lambda tmp: layer()(torch.tensor([[NAN, 0.0]])), ValueError, "NaN or inf"),
    "layer-input-overflows-float32": (
        lambda tmp: layer()(torch.tensor([[1e39, 0.0]], dtype=torch.float64)),
        ValueError,
        "beyond the layer's torch.float32 range",
    ),
    "layer-input-missing": (lambda tmp: layer()(), ValueError, "inputs are required"),
    "layer-counts-shots": (lambda tmp: layer().counts(torch.zeros(1, 2), shots=-1), ValueError, "shots must be"),
    "layer-counts-shots-zero": (lambda tmp: layer().counts(torch.zeros(1, 2), shots=0), ValueError, "shots must be"),
    "layer-state-dict-other-circuit": (fingerprint_mismatch, RuntimeError, "saved from a different circuit"),
    "layer-state-dict-other-size": (
        lambda tmp: layer().load_state_dict({"weights": torch.zeros(5)}),
        RuntimeError,
        "size mismatch for weights",
    ),
    # backends
    "simulator-max-memory-str": (
        lambda tmp: SimulatorBackend(max_memory="1GB"),
        TypeError,
        "max_memory (bytes) must be an integer",
    ),
    "simulator-max-memory-negative": (lambda tmp: SimulatorBackend(max_memory=-1), ValueError, "max_memory"),
    "simulator-method": (lambda tmp: SimulatorBackend(method="fast"), ValueError, "method must be one of"),
    "simulator-fuse": (lambda tmp: SimulatorBackend(fuse=-1), ValueError, "fuse must be a non-negative integer"),
    "pennylane-unknown-device": (
        lambda tmp: get_backend("pennylane:default.qbit"),
        ValueError,
        "unknown PennyLane device 'default.qbit'",
    ),
    "backend-prefix-only": (lambda tmp: get_backend("ibm:"), ValueError, "unknown backend"),
    # training and models
    "train-learning-rate": (lambda tmp: TrainConfig(learning_rate=0), ValueError, "learning_rate"),
    "train-batch-size": (lambda tmp: TrainConfig(batch_size=0), ValueError, "batch_size"),
    "train-optimizer-name": (lambda tmp: TrainConfig(optimizer="adam"), TypeError, "optimizer must be"),
    "train-weight-decay-nan": (lambda tmp: TrainConfig(weight_decay=NAN), ValueError, "weight_decay"),
    "train-device-unknown": (lambda tmp: TrainConfig(device="tpu"), ValueError, "device must be a torch device"),
    "train-device-cuda": pytest.param(
        lambda tmp: TrainConfig(device="cuda"),
        ValueError,
        "torch.cuda.is_available() is False",
        marks=pytest.mark.skipif(CUDA, reason="CUDA is available here"),
    ),
    "train-mismatched-lengths": (
        lambda tmp: train(nn.Linear(2, 2), torch.ones(4, 2), torch.zeros(3, dtype=torch.long)),
        ValueError,
        "same length",
    ),
    "train-device-via-fit": (lambda tmp: tiny_fit(device="gpu0"), ValueError, "device must be a torch device"),
    "model-device": (lambda tmp: quantum_classifier(device="tpu"), ValueError, "device must be a torch device"),
    "model-optimizer": (lambda tmp: quantum_classifier(optimizer="lbfgs"), ValueError, "optimizer must be one of"),
    "model-learning-rate-str": (lambda tmp: quantum_classifier(learning_rate="fast"), ValueError, "learning_rate"),
    "model-max-steps-zero": (lambda tmp: quantum_classifier(max_steps=0), ValueError, "max_steps must be a positive"),
    "model-batch-size-negative": (lambda tmp: quantum_classifier(batch_size=-1), ValueError, "batch_size must be"),
    "model-iqp-repeats-zero": (
        lambda tmp: quantum_classifier("IQPVariationalClassifier", repeats=0),
        ValueError,
        "n_repeats must be a positive integer",
    ),
    "model-reuploading-layers-zero": (
        lambda tmp: quantum_classifier("DataReuploadingClassifier", n_layers=0),
        ValueError,
        "n_layers must be an integer >= 1",
    ),
    "model-dressed-layers-float": (
        lambda tmp: quantum_classifier("DressedQuantumCircuitClassifier", n_layers=1.5),
        ValueError,
        "n_layers must be a positive integer",
    ),
    # explain
    "explain-method": (lambda tmp: explain(method="shapley"), ValueError, "method must be one of"),
    "explain-batch-size": (lambda tmp: explain(batch_size=0), ValueError, "batch_size must be a positive integer"),
    "explain-x-nan": (lambda tmp: explain(X=torch.full((2, 2), NAN)), ValueError, "X contains NaN or inf"),
    "explain-x-width": (lambda tmp: explain(X=torch.zeros(2, 3)), ValueError, "does not fit the model"),
    # energy
    "energy-power-negative": (lambda tmp: measure_energy(power_watts=-1), ValueError, "power_watts"),
    "energy-grid-str": (lambda tmp: measure_energy(grid_gco2_per_kwh="475"), ValueError, "grid_gco2_per_kwh"),
    # sweeps built in Python
    "task-unknown": (lambda tmp: task(name="two_moons"), ValueError, "task name must be one of"),
    "task-dimension-negative": (lambda tmp: task(dimensions=[-1]), ValueError, "positive integers"),
    "task-dimensions-int": (
        lambda tmp: task(dimensions=4),
        TypeError,
        "dimensions of task 'linearly_separable' must be",
    ),
    "task-n-samples-zero": (lambda tmp: task(n_samples=0), ValueError, "n_samples of task"),
    "task-n-samples-str": (lambda tmp: task(n_samples="300"), TypeError, "n_samples of task"),
    "task-params-list": (lambda tmp: task(params=[1]), TypeError, "params of task"),
    "model-unknown": (lambda tmp: model(name="QSVM"), ValueError, "model name must be one of"),
    "model-ablation-str": (
        lambda tmp: model(ablation="no"),
        TypeError,
        "ablation of model 'SVC' must be true or false",
    ),
    "model-matched-mlp-int": (lambda tmp: model(matched_mlp=0), TypeError, "matched_mlp of model"),
    "model-tasks-str": (lambda tmp: model(tasks="two_curves"), TypeError, "list of task names"),
    "model-tasks-int": (lambda tmp: model(tasks=3), TypeError, "list of task names"),
    "model-tasks-unknown": (  # checked by the sweep, which knows its tasks' variants
        lambda tmp: sweep(models=[model(tasks=["two_moons"])]),
        ValueError,
        "tasks of model 'SVC' must be among",
    ),
    "model-max-dimension-negative": (lambda tmp: model(max_dimension=-1), ValueError, "max_dimension of model"),
    "model-max-dimension-float": (lambda tmp: model(max_dimension=2.5), TypeError, "max_dimension of model"),
    "model-grid-list": (lambda tmp: model(grid=["C"]), TypeError, "grid of model 'SVC'"),
    "model-grid-empty-values": (lambda tmp: model(grid={"C": []}), ValueError, "at least one value"),
    "sweep-runs-nothing": (
        lambda tmp: sweep(models=[model(max_dimension=1)]),
        ValueError,
        "runs on none of the sweep's tasks",
    ),
    "sweep-model-task-absent": (
        lambda tmp: sweep(models=[model(tasks=["two_curves"])]),
        ValueError,
        "runs on none of the sweep's tasks",
    ),
    "sweep-seeds-float": (lambda tmp: sweep(seeds=[0.5]), TypeError, "seeds and data_seed must be an integer"),
    "sweep-data-seed-negative": (lambda tmp: sweep(data_seed=-1), ValueError, "seeds and data_seed"),
    "sweep-test-size-str": (lambda tmp: sweep(test_size="0.2"), TypeError, "test_size must be a real number"),
    "sweep-n-folds": (lambda tmp: sweep(n_folds=1), ValueError, "n_folds must be an integer >= 2"),
    "sweep-dict-not-mapping": (lambda tmp: sweep_from_dict([1, 2]), TypeError, "a sweep must be a table of fields"),
    "sweep-dict-seeds-int": (
        lambda tmp: sweep_from_dict({"tasks": [], "models": [], "seeds": 5}),
        TypeError,
        "seeds must be a list",
    ),
    # sweep files
    "file-suffix": (lambda tmp: load_sweep(tmp / "sweep.json"), ValueError, "must end in .toml"),
    "file-missing": (lambda tmp: load_sweep(tmp / "missing.toml"), FileNotFoundError, "missing.toml"),
    "file-toml-syntax": (
        lambda tmp: load_sweep(sweep_file(tmp, "n_folds = \n")),
        ValueError,
        "is not valid TOML",
    ),
    "file-yaml-syntax": (
        lambda tmp: load_sweep(sweep_file(tmp, "tasks: [\n", ".yaml")),
        ValueError,
        "is not valid YAML",
    ),
    "file-yaml-empty": (lambda tmp: load_sweep(sweep_file(tmp, "", ".yml")), ValueError, "a sweep must be a table"),
    "file-task-typo": (
        lambda tmp: load_sweep(sweep_file(tmp, SWEEP.replace("dimensions", "dimension"))),
        ValueError,
        "unknown task fields ['dimension']",
    ),
    "file-model-without-name": (
        lambda tmp: load_sweep(sweep_file(tmp, SWEEP.replace('name = "SVC"', ""))),
        ValueError,
        "a model needs the field(s) ['name']",
    ),
    "file-tasks-not-list": (
        lambda tmp: load_sweep(sweep_file(tmp, 'tasks = "two_curves"\n' + SWEEP[SWEEP.index("[[models]]") :])),
        ValueError,
        "tasks must be a list of tables",
    ),
    "file-grid-typo": (
        lambda tmp: load_sweep(sweep_file(tmp, SWEEP.replace("C = ", "c = "))),
        ValueError,
        "grid of model 'SVC' names ['c'], which SVC does not take",
    ),
    "file-matched-mlp-grid-typo": (
        lambda tmp: load_sweep(sweep_file(tmp, "matched_mlp_grid = {max_iters = [10]}\n" + SWEEP)),
        ValueError,
        "matched_mlp_grid names ['max_iters'], which MLPClassifier does not take",
    ),
    "file-ablation-no": (
        lambda tmp: load_sweep(sweep_file(tmp, SWEEP + 'ablation = "no"\n')),
        ValueError,
        "ablation of model 'SVC' must be true or false",
    ),
    "file-names-itself": (
        lambda tmp: load_sweep(sweep_file(tmp, SWEEP + "max_dimension = -1\n")),
        ValueError,
        "sweep.toml",
    ),
    # the qnn command
    "cli-bench-max-dimension": (lambda tmp: bench(tmp, SWEEP + "max_dimension = -1\n"), CliRefusal, "max_dimension"),
    "cli-bench-unknown-task": (
        lambda tmp: bench(tmp, SWEEP + 'tasks = ["two_moons"]\n'),
        CliRefusal,
        "must be among",
    ),
    "cli-bench-ablation": (lambda tmp: bench(tmp, SWEEP + 'ablation = "no"\n'), CliRefusal, "true or false"),
    "cli-bench-yaml": (lambda tmp: bench(tmp, "tasks: [\n", ".yaml"), CliRefusal, "is not valid YAML"),
    "cli-bench-type": (
        lambda tmp: bench(tmp, SWEEP.replace("n_samples = 40", 'n_samples = "40"')),
        CliRefusal,
        "n_samples",
    ),
    "cli-bench-jobs-zero": (lambda tmp: qnn("bench", "--jobs", "0"), CliRefusal, "expected a positive integer"),
    "cli-bench-power-negative": (lambda tmp: qnn("bench", "--power-watts", "-5"), CliRefusal, "positive number"),
    "cli-bench-grid-nan": (lambda tmp: qnn("bench", "--grid-intensity", "nan"), CliRefusal, "number >= 0"),
    "cli-bench-address": (lambda tmp: qnn("bench", "--address", "auto", "--quiet"), CliRefusal, "--executor ray"),
    "cli-report-empty": (lambda tmp: qnn("report", str(tmp)), CliRefusal, "no results database"),
    "cli-perf-tpu": (lambda tmp: qnn("perf", "--device", "tpu"), CliRefusal, "expected cpu, cuda"),
    "cli-perf-cuda": pytest.param(
        lambda tmp: qnn("perf", "--device", "cuda", "--peers", "qnn"),
        CliRefusal,
        "torch.cuda.is_available() is False",
        marks=pytest.mark.skipif(CUDA, reason="CUDA is available here"),
    ),
    "cli-perf-peer": (lambda tmp: qnn("perf", "--peers", "cirq"), CliRefusal, "unknown peer"),
    "cli-perf-qubits": (lambda tmp: qnn("perf", "--qubits", "0"), CliRefusal, "expected a positive integer"),
    "cli-jobs-text-file": (lambda tmp: not_a_journal(tmp, b"job-1,DONE\n"), CliRefusal, "is not a job journal"),
    "cli-jobs-other-sqlite": (lambda tmp: sqlite_without_jobs(tmp), CliRefusal, "without a jobs table"),
    "cli-jobs-folder": (lambda tmp: qnn("jobs", "--journal", str(tmp), "list"), CliRefusal, "is a folder"),
    "cli-demo-qubits": (lambda tmp: qnn("demo", "--qubits", "0"), CliRefusal, "expected a positive integer"),
    "cli-unknown-command": (lambda tmp: qnn("train"), CliRefusal, "invalid choice"),
}


def _as_param(name, row):
    if not hasattr(row, "marks"):
        return pytest.param(*row, id=name)
    return pytest.param(*row.values, id=name, marks=row.marks)


@pytest.mark.parametrize(("call", "error", "phrase"), [_as_param(name, row) for name, row in BAD_INPUTS.items()])
def test_bad_input_is_refused_clearly(call, error, phrase, tmp_path):
    with pytest.raises(error) as raised:
        call(tmp_path)
    assert phrase in str(raised.value)


def test_jobs_without_an_ibm_account_is_one_line(tmp_path, monkeypatch, capsys):
    from qiskit_ibm_runtime.accounts import management

    from qnn import JobJournal

    monkeypatch.setattr(management, "_DEFAULT_ACCOUNT_CONFIG_JSON_FILE", str(tmp_path / "no-account.json"))
    for name in ("QISKIT_IBM_TOKEN", "QISKIT_IBM_CHANNEL", "QISKIT_IBM_URL", "QISKIT_IBM_INSTANCE"):
        monkeypatch.delenv(name, raising=False)
    journal = JobJournal(tmp_path / "jobs.sqlite")
    journal.record_submitted("job-1", "key", "ibm:ibm_torino", "abc", np.zeros((1, 2)), 100, {})
    assert main(["jobs", "--journal", str(journal.path), "status", "job-1"]) == 2
    err = capsys.readouterr().err
    assert "no IBM Quantum account" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_the_table_covers_the_public_surface():
    assert len(BAD_INPUTS) >= 80


def test_an_empty_batch_gives_an_empty_result_as_nn_linear_does():
    quantum, linear = layer(), nn.Linear(2, 2)
    inputs = torch.zeros(0, 2, requires_grad=True)
    outputs = quantum(inputs)
    assert outputs.shape == linear(inputs).shape == (0, 2)
    assert outputs.dtype == quantum.weights.dtype
    (grad,) = torch.autograd.grad(outputs.sum(), quantum.weights)
    assert torch.equal(grad, torch.zeros_like(quantum.weights))
    assert QuantumLayer(circuit(), observables="probs")(torch.zeros(0, 2)).shape == (0, 4)
    assert quantum.counts(torch.zeros(0, 2), shots=10).shape == (0, 4)


def test_a_state_dict_carries_the_circuit_fingerprint_and_loads_into_the_same_circuit(generator):
    saved = QuantumLayer(circuit(), generator=generator)
    state = saved.state_dict()
    assert state["circuit_fingerprint"].dtype == torch.uint8 and state["circuit_fingerprint"].shape == (32,)
    fresh = QuantumLayer(circuit())
    fresh.load_state_dict(state)
    assert torch.equal(fresh.weights, saved.weights)


def test_a_state_dict_without_a_fingerprint_still_loads(generator):
    saved = QuantumLayer(circuit(), generator=generator)
    fresh = QuantumLayer(circuit("Y"))  # no fingerprint to compare: old files load as before
    fresh.load_state_dict({"weights": saved.weights.detach().clone()})
    assert torch.equal(fresh.weights, saved.weights)


def test_the_fingerprint_is_checked_inside_a_larger_model():
    outer = nn.Sequential(nn.Linear(2, 2), QuantumLayer(circuit()))
    other = nn.Sequential(nn.Linear(2, 2), QuantumLayer(circuit("Y")))
    with pytest.raises(RuntimeError, match="1.weights were saved from a different circuit"):
        other.load_state_dict(outer.state_dict())
