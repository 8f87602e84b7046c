"""`QnnSimulator`: PennyLane's `Device` API on qnn's batched torch simulator.

PennyLane prepares each tape (decomposing gates the simulator lacks, deferring mid-circuit
measurements, checking wires and measurements); broadcast tapes run as one batch. Exact expectation
values of Pauli sums and probabilities are measured inside qnn's simulator (`qnn.pennylane.measure`,
adjoint gradients); for everything else the simulator computes the final state and PennyLane's own
measurement functions (`measure_final_state`) read variances, samples, counts or the state from it.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pennylane as qml
import torch
from pennylane.devices import Device, ExecutionConfig
from pennylane.devices.default_qubit import accepted_analytic_measurement, accepted_sample_measurement
from pennylane.devices.modifiers import simulator_tracking, single_tape_support
from pennylane.devices.preprocess import (
    decompose,
    no_sampling,
    validate_device_wires,
    validate_measurements,
)
from pennylane.devices.qubit.simulate import measure_final_state
from pennylane.exceptions import DeviceError
from pennylane.math import Interface
from pennylane.transforms import broadcast_expand, defer_measurements
from pennylane.transforms.core import CompilePipeline

from qnn.backends.simulator import SimulatorBackend
from qnn.pennylane.adjoint import vjp
from qnn.pennylane.autograd_bridge import autograd_function
from qnn.pennylane.measure import measure, qnn_measurable
from qnn.pennylane.tape import angle_batch, decomposition, shared_angles, supported, to_circuit
from qnn.simulator import compile_circuit, run_program

REAL_OF = {torch.complex64: torch.float32, torch.complex128: torch.float64}
MAX_CACHED = 256  # circuits (gate structures) a device keeps compiled


@simulator_tracking
@single_tape_support
class QnnSimulator(Device):
    """qnn's state-vector simulator as ``qml.device("qnn.simulator", wires=n, shots=None)``.

    Args:
        wires: number of wires or their labels (None: as many as each circuit uses).
        shots: None for exact results, or shots per execution.
        seed: seed or `numpy.random.Generator` for sampling.
        c_dtype: complex precision of the state, ``torch.complex128`` (default) or ``torch.complex64``.
        torch_device: where the simulator runs, ``"cpu"`` (default) or ``"cuda"``.

    Gradients: ``diff_method="backprop"`` (what "best" picks) with the torch and autograd interfaces:
    exact Pauli-sum expectations and probabilities are differentiated by qnn's adjoint method inside
    the torch graph, everything else by autograd through the simulator. ``"adjoint"`` gives
    vector-Jacobian products of Pauli-sum expectations and probabilities by qnn's adjoint method.
    PennyLane's ``"parameter-shift"`` and ``"finite-diff"`` work as on any device.

    Example:
        >>> dev = qml.device("qnn.simulator", wires=2)
        >>> @qml.qnode(dev)
        ... def circuit(x):
        ...     qml.RX(x, wires=0)
        ...     qml.CNOT(wires=[0, 1])
        ...     return qml.expval(qml.Z(1))
        >>> round(float(circuit(np.pi)), 6)
        -1.0
    """

    name = "qnn.simulator"

    def __init__(self, wires=None, shots=None, seed=None, c_dtype=torch.complex128, torch_device="cpu"):
        super().__init__(wires=wires, shots=shots)
        if c_dtype not in REAL_OF:
            raise ValueError(f"c_dtype must be torch.complex64 or torch.complex128, got {c_dtype!r}")
        self._rng = np.random.default_rng(seed)
        self._c_dtype = c_dtype
        self._torch_device = torch.device(torch_device)
        self._programs = {}  # compiled programs by circuit (a circuit depends only on the tape's gates)
        self._backend = SimulatorBackend()

    def supports_derivatives(self, execution_config=None, circuit=None) -> bool:
        if execution_config is None:
            return True
        if execution_config.gradient_method == "adjoint":
            return circuit is None or (not circuit.shots and all(qnn_measurable(m) for m in circuit.measurements))
        if execution_config.gradient_method not in {"backprop", "best"}:
            return False
        if circuit is not None and circuit.shots:
            return False
        return _differentiable_interface(execution_config, circuit)

    def setup_execution_config(self, config=None, circuit=None) -> ExecutionConfig:
        config = config or ExecutionConfig()
        updates = {}
        if config.gradient_method == "best":
            updates["gradient_method"] = "backprop"
        if config.gradient_method in {"best", "backprop"}:
            updates["use_device_gradient"] = True
            updates["grad_on_execution"] = False
            updates["use_device_jacobian_product"] = False
        if config.gradient_method == "adjoint":
            updates["use_device_gradient"] = True
            updates["grad_on_execution"] = False
            updates["use_device_jacobian_product"] = True
        mcm = config.mcm_config
        if mcm.mcm_method not in (None, "deferred"):
            raise DeviceError(f"mcm_method {mcm.mcm_method!r} is not supported on qnn.simulator; use 'deferred'")
        updates["mcm_config"] = replace(mcm, mcm_method="deferred")
        updates["convert_to_numpy"] = config.gradient_method not in {"best", "backprop"}
        return replace(config, **updates)

    def preprocess_transforms(self, execution_config=None) -> CompilePipeline:
        config = execution_config or ExecutionConfig()
        program = CompilePipeline()
        program.add_transform(defer_measurements, allow_postselect=False)
        program.add_transform(
            decompose,
            stopping_condition=supported,
            skip_initial_state_prep=False,
            decomposer=decomposition,
            name=self.name,
        )
        program.add_transform(validate_device_wires, self.wires, name=self.name)
        program.add_transform(
            validate_measurements,
            analytic_measurements=accepted_analytic_measurement,
            sample_measurements=accepted_sample_measurement,
            name=self.name,
        )
        if config.gradient_method == "backprop":
            program.add_transform(no_sampling, name="backprop + qnn.simulator")
        if config.gradient_method == "adjoint":
            program.add_transform(no_sampling, name="adjoint + qnn.simulator")
            program.add_transform(broadcast_expand)  # one parameter set per tape for the products below
        return program

    def supports_vjp(self, execution_config=None, circuit=None) -> bool:
        return (
            execution_config is not None
            and execution_config.gradient_method == "adjoint"
            and (self.supports_derivatives(execution_config, circuit))
        )

    def compute_vjp(self, circuits, cotangents, execution_config=None):
        """Vector-Jacobian products by qnn's adjoint method (`qnn.pennylane.adjoint.vjp`)."""
        real = REAL_OF[self._c_dtype]
        return tuple(vjp(c, dy, real, self._torch_device) for c, dy in zip(circuits, cotangents, strict=True))

    def execute(self, circuits, execution_config=None):
        # The adjoint method gives first derivatives only: higher orders record every gate for autograd.
        first_order = (execution_config or ExecutionConfig()).derivative_order <= 1
        return tuple(self._simulate(tape, first_order) for tape in circuits)

    def _simulate(self, tape, first_order: bool = True):
        """The measurements of one tape: measured by qnn where it can (`qnn.pennylane.measure`), else the
        final state from qnn's simulator measured by PennyLane."""
        tape = tape.map_to_standard_wires()
        translated = to_circuit(tape.operations, tape.num_wires)
        values = [*translated.batched, *translated.shared, *translated.phases]
        batch_size = translated.batch_size  # as tape.batch_size, which walks every operation again
        interface = qml.math.get_interface(*values) if values else "numpy"
        if interface == "autograd" and any(qml.math.requires_grad(v) for v in values):
            state = self._autograd_state(translated, batch_size)
        else:
            real, device = REAL_OF[self._c_dtype], self._torch_device
            inputs = angle_batch(translated.batched, batch_size, real, device)
            weights = shared_angles(translated.shared, real, device)
            circuit = translated.circuit  # one object per structure (`tape.to_circuit`), as the backend's cache wants
            if first_order and not tape.shots and all(qnn_measurable(m) for m in tape.measurements):
                return self._measured_by_qnn(tape, circuit, inputs, weights, interface, batch_size)
            state = self._final_state(circuit, inputs, weights, translated.phases)
            state = state if interface == "torch" else state.detach().cpu().numpy()
        if batch_size is None:
            state = state[0]
        return measure_final_state(tape, state, batch_size is not None, rng=self._rng)

    def _measured_by_qnn(self, tape, circuit, inputs, weights, interface: str, batch_size: int | None):
        """Expectation values and probabilities from `SimulatorBackend` (adjoint gradients, no state kept)."""
        values = measure(self._backend, circuit, tape.measurements, inputs, weights)
        values = [v if batch_size is not None else v[0] for v in values]
        if interface != "torch":
            values = [v.detach().cpu().numpy() for v in values]
        return values[0] if len(values) == 1 else tuple(values)

    def _autograd_state(self, translated, batch: int | None):
        """The final states as an autograd array, differentiable through `autograd_function` (backprop
        with PennyLane's default interface)."""
        import autograd.numpy as anp

        rows = batch or 1
        columns = [anp.broadcast_to(anp.real(anp.ravel(v)), (rows,)) for v in translated.batched]
        inputs = anp.stack(columns, axis=1) if columns else anp.zeros((rows, 0))
        weights = anp.stack([anp.real(v) for v in translated.shared]) if translated.shared else anp.zeros(0)
        real = REAL_OF[self._c_dtype]

        def real_state(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
            return torch.view_as_real(self._final_state(translated.circuit, x.to(real), w.to(real), []))

        parts = autograd_function(real_state)(inputs, weights)
        state = parts[..., 0] + 1j * parts[..., 1]
        for phase in translated.phases:  # GlobalPhase(φ) multiplies the state by exp(-iφ)
            state = state * anp.reshape(anp.exp(-1j * anp.ravel(phase)), (-1, *[1] * translated.circuit.n_qubits))
        return state

    def _final_state(self, circuit, inputs: torch.Tensor, weights: torch.Tensor, phases: list) -> torch.Tensor:
        """(rows, 2, …, 2) states; a copy, since the simulator may reuse its buffers on the next call."""
        program = self._programs.get(circuit)
        if program is None:
            if len(self._programs) > MAX_CACHED:
                self._programs.clear()
            program = self._programs[circuit] = compile_circuit(circuit)
        state = run_program(program, inputs, weights, self._c_dtype).clone()
        for phase in phases:  # GlobalPhase(φ) multiplies the state by exp(-iφ)
            phi = angle_batch([phase], state.shape[0], inputs.dtype, inputs.device)[:, 0]
            state = state * torch.exp(-1j * phi).reshape(-1, *[1] * circuit.n_qubits)
        return state


def _differentiable_interface(config, circuit) -> bool:
    """Whether backprop can run: torch or autograd parameters (JAX and TensorFlow are not differentiated)."""
    if config.interface in (Interface.TORCH, Interface.AUTOGRAD):
        return True
    if circuit is None:  # a QNode checks before it knows its interface; the check with the tape decides
        return True
    if config.interface in (Interface.AUTO, None):
        return qml.math.get_interface(*circuit.get_parameters(trainable_only=False)) in ("torch", "autograd")
    return False
