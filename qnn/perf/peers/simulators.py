"""The simulators `qnn perf` times, each as a `Peer` that turns a `Workload` into one training step.

A step is `step(x)`: forward on the (batch, n_qubits) inputs `x` (which require gradients), loss =
sum of the outputs, backward to the weights and the inputs. Peers other than qnn are optional:
`Peer.unavailable` names what is missing instead of failing.
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch

import circuits
from circuits.circuit import Input
from qnn.perf.workload import Workload

Step = Callable[[torch.Tensor], None]


@dataclass(frozen=True)
class Peer:
    name: str
    description: str
    setup: Callable[[Workload], Step] | None  # None: known, but without a runner here
    modules: tuple[str, ...] = ()  # importable modules it needs
    dtypes: tuple[torch.dtype, ...] = (torch.complex64, torch.complex128)
    tensors: bool = True  # its states are torch tensors (so torch's allocations are its memory)
    missing_note: str = ""

    def unavailable(self, workload: Workload) -> str | None:
        """Why this peer cannot run `workload`, or None if it can."""
        absent = [m for m in self.modules if importlib.util.find_spec(m) is None]
        if absent:
            return self.missing_note or f"not installed ({', '.join(absent)})"
        if self.setup is None:
            return "installed, but qnn perf has no runner for it"
        if workload.dtype not in self.dtypes:
            return f"runs in {', '.join(str(d).removeprefix('torch.') for d in self.dtypes)} only"
        return None


def _qnn(workload: Workload) -> Step:
    from qnn.layer import QuantumLayer

    layer = QuantumLayer(workload.circuit, dtype=workload.dtype).to(workload.device)
    with torch.no_grad():
        layer.weights.copy_(workload.weights())
    return _torch_step(layer)


def _torch_step(module: torch.nn.Module) -> Step:
    def step(x: torch.Tensor) -> None:
        module.zero_grad(set_to_none=True)
        x.grad = None
        module(x).sum().backward()

    return step


def _pennylane_layer(workload: Workload, device_name: str, diff_method: str, **device_options) -> Step:
    """A `qml.qnn.TorchLayer` of the workload's circuit on a PennyLane device."""
    import pennylane as qml

    n = workload.n_qubits
    apply = circuits.to_pennylane(workload.circuit)
    # default.qubit starts from a complex128 |0…0⟩ on the CPU whatever the parameters; an explicit
    # initial state in the workload's precision and device keeps the precision equal and, on CUDA,
    # keeps every tensor on the GPU (batched inputs fail otherwise).
    zero = torch.zeros(2**n, dtype=workload.dtype, device=workload.device)
    zero[0] = 1
    prepare = device_name == "default.qubit"

    def circuit(inputs, weights):
        if prepare:
            qml.StatePrep(zero, wires=range(n))
        apply(inputs, weights)
        return [qml.expval(qml.Z(w)) for w in range(n)]

    device = qml.device(device_name, wires=n, **device_options)
    node = qml.QNode(circuit, device, interface="torch", diff_method=diff_method)
    layer = qml.qnn.TorchLayer(node, {"weights": (workload.circuit.n_weights,)})
    layer = layer.to(dtype=workload.real_dtype, device=workload.device)
    with torch.no_grad():
        layer.weights.copy_(workload.weights())
    return _torch_step(layer)


def _default_qubit(workload: Workload) -> Step:
    return _pennylane_layer(workload, "default.qubit", "backprop")


def _qnn_device(workload: Workload) -> Step:
    return _pennylane_layer(
        workload, "qnn.simulator", "backprop", c_dtype=workload.dtype, torch_device=str(workload.device)
    )


def _lightning(workload: Workload) -> Step:
    import numpy as np

    c_dtype = np.complex64 if workload.dtype == torch.complex64 else np.complex128
    return _pennylane_layer(workload, "lightning.qubit", "adjoint", c_dtype=c_dtype)


def _qiskit_ml(workload: Workload) -> Step:
    from qiskit.primitives import StatevectorEstimator
    from qiskit.quantum_info import SparsePauliOp
    from qiskit_machine_learning.connectors import TorchConnector
    from qiskit_machine_learning.neural_networks import EstimatorQNN

    n = workload.n_qubits
    qc = circuits.to_qiskit(workload.circuit)
    params = {name: sorted((p for p in qc.parameters if p.vector.name == name), key=lambda p: p.index) for name in "xw"}
    # Qiskit labels are little-endian: the last character is qubit 0.
    observables = [SparsePauliOp("I" * (n - 1 - w) + "Z" + "I" * w) for w in range(n)]
    qnn = EstimatorQNN(
        circuit=qc,
        estimator=StatevectorEstimator(),
        observables=observables,
        input_params=params["x"],
        weight_params=params["w"],
        input_gradients=True,
        default_precision=0.0,  # exact expectation values, as every other peer
    )
    model = TorchConnector(qnn, initial_weights=workload.weights().double().cpu().numpy())
    step = _torch_step(model)

    def step_in_float64(x: torch.Tensor) -> None:
        as_double = x.detach().double().cpu().requires_grad_(True)
        step(as_double)
        x.grad = as_double.grad.to(device=x.device, dtype=x.dtype)

    return step_in_float64


def _default_qubit_jax(workload: Workload) -> Step:
    """PennyLane default.qubit under JAX: `jit(vmap(value_and_grad))` of the summed outputs, per sample.

    The step's first call at a batch size compiles; `step.compile_seconds` keeps how long that took.
    """
    import warnings

    import jax
    import jax.numpy as jnp
    import numpy as np
    import pennylane as qml

    double = workload.dtype == torch.complex128
    jax.config.update("jax_enable_x64", double)  # this peer's own process: its precision, as the others'
    real = jnp.float64 if double else jnp.float32
    n = workload.n_qubits
    apply = circuits.to_pennylane(workload.circuit)

    @qml.qnode(qml.device("default.qubit", wires=n), interface="jax")
    def node(x, w):
        apply(x, w)
        return [qml.expval(qml.Z(i)) for i in range(n)]

    def loss(x, w):
        return jnp.sum(jnp.stack(node(x, w)))

    per_sample = jax.jit(jax.vmap(jax.value_and_grad(loss, argnums=(0, 1)), in_axes=(0, None)))
    weights = jnp.asarray(workload.weights().double().cpu().numpy(), dtype=real)

    def step(x: torch.Tensor) -> None:
        values = jnp.asarray(x.detach().double().cpu().numpy(), dtype=real)
        first = x.shape[0] not in step.compile_seconds
        start = time.perf_counter()
        with warnings.catch_warnings():
            # default.qubit asks for a complex128 state; in single precision JAX keeps complex64, as wanted.
            warnings.filterwarnings("ignore", message="Explicitly requested dtype complex128")
            _, (x_grad, w_grad) = per_sample(values, weights)
            jax.block_until_ready((x_grad, w_grad.sum(0)))
        if first:
            step.compile_seconds[x.shape[0]] = time.perf_counter() - start
        x.grad = torch.from_numpy(np.array(x_grad)).to(x.dtype)

    step.compile_seconds = {}
    return step


def _tensorcircuit_jax(workload: Workload) -> Step:
    """TensorCircuit-NG under JAX: the workload's gates on a `tc.Circuit`, `jit(vmap(value_and_grad))` of
    the summed ⟨Z⟩ per sample, as the `default.qubit+jax` peer. `step.compile_seconds` as there."""
    import jax
    import jax.numpy as jnp
    import numpy as np

    double = workload.dtype == torch.complex128
    tc = _tensorcircuit_on_jax(double)
    real = jnp.float64 if double else jnp.float32
    n, ops = workload.n_qubits, workload.circuit.operations
    signs = jnp.asarray(1 - 2 * ((np.arange(2**n)[:, None] >> np.arange(n - 1, -1, -1)) & 1), dtype=real)

    def loss(x, w):
        c = tc.Circuit(n)
        for op in ops:
            _apply_tensorcircuit(c, op, x, w)
        # ⟨Z_i⟩ for every wire from one state vector (wire 0 the most significant bit), not a network each
        return jnp.sum((jnp.abs(c.state()) ** 2) @ signs)

    per_sample = jax.jit(jax.vmap(jax.value_and_grad(loss, argnums=(0, 1)), in_axes=(0, None)))
    weights = jnp.asarray(workload.weights().double().cpu().numpy(), dtype=real)

    def step(x: torch.Tensor) -> None:
        values = jnp.asarray(x.detach().double().cpu().numpy(), dtype=real)
        first = x.shape[0] not in step.compile_seconds
        start = time.perf_counter()
        _, (x_grad, w_grad) = per_sample(values, weights)
        jax.block_until_ready((x_grad, w_grad.sum(0)))
        if first:
            step.compile_seconds[x.shape[0]] = time.perf_counter() - start
        x.grad = torch.from_numpy(np.array(x_grad)).to(x.dtype)

    step.compile_seconds = {}
    return step


def _tensorcircuit_on_jax(double: bool):
    """The tensorcircuit module set to JAX in single or double precision. These are settings of the whole
    library (and `jax_enable_x64` of JAX): fine in a peer's own process, as `qnn perf` runs each."""
    import logging

    import jax
    import tensorcircuit as tc

    jax.config.update("jax_enable_x64", double)
    # Its JAX backend logs a warning that optax is missing: only its optimisers need optax, unused here.
    backend_log = logging.getLogger("tensorcircuit.backends.jax_backend")
    level = backend_log.level
    backend_log.setLevel(logging.ERROR)
    try:
        tc.set_backend("jax")
    finally:
        backend_log.setLevel(level)
    tc.set_dtype("complex128" if double else "complex64")
    return tc


def _apply_tensorcircuit(c, op, x, w) -> None:
    """One gate record on the TensorCircuit `c`; angles from the sample `x` and the weights `w`."""
    angles = [x[p.index] * p.scale + p.shift if isinstance(p, Input) else w[p.index] for p in op.params]
    if op.gate in ("RX", "RY", "RZ"):
        getattr(c, op.gate.lower())(op.wires[0], theta=angles[0])
    elif op.gate == "Rot":  # RZ(ω) RY(θ) RZ(φ), PennyLane's order
        phi, theta, omega = angles
        c.rz(op.wires[0], theta=phi)
        c.ry(op.wires[0], theta=theta)
        c.rz(op.wires[0], theta=omega)
    elif op.gate in ("CNOT", "CZ", "H"):
        getattr(c, op.gate.lower())(*op.wires)
    else:
        raise ValueError(f"the tensorcircuit peer has no gate {op.gate!r}")


PEERS: dict[str, Peer] = {
    "qnn": Peer("qnn", "qnn simulator (the path SimulatorBackend.path chooses: dense, adjoint, fused gates)", _qnn),
    "default.qubit": Peer(
        "default.qubit",
        "PennyLane default.qubit, TorchLayer, backprop, broadcasting",
        _default_qubit,
        modules=("pennylane",),
    ),
    "qnn.simulator": Peer(
        "qnn.simulator",
        "qnn's simulator as a PennyLane device, TorchLayer, backprop, broadcasting",
        _qnn_device,
        modules=("pennylane",),
    ),
    "lightning.qubit": Peer(
        "lightning.qubit",
        "PennyLane lightning.qubit, TorchLayer, adjoint",
        _lightning,
        modules=("pennylane", "pennylane_lightning"),
        tensors=False,
    ),
    "default.qubit+jax": Peer(
        "default.qubit+jax",
        "PennyLane default.qubit under JAX jit + vmap (compile time not counted; in the note)",
        _default_qubit_jax,
        modules=("pennylane", "jax"),
        tensors=False,
    ),
    "tensorcircuit+jax": Peer(
        "tensorcircuit+jax",
        "TensorCircuit-NG under JAX jit + vmap (compile time not counted; in the note)",
        _tensorcircuit_jax,
        modules=("tensorcircuit", "jax"),
        tensors=False,
    ),
    "qiskit-ml": Peer(
        "qiskit-ml",
        "Qiskit ML EstimatorQNN + TorchConnector (Statevector, parameter shift)",
        _qiskit_ml,
        modules=("qiskit_machine_learning",),
        dtypes=(torch.complex128,),
        tensors=False,
    ),
    "torchquantum": Peer(
        "torchquantum",
        "TorchQuantum",
        None,
        modules=("torchquantum",),
        missing_note=(
            "not installed: its pip package requires qiskit 0.46 and a CUDA build of torch, "
            "which would replace this environment's qiskit 2 and torch"
        ),
    ),
}
