"""Run a circuit on a batch and measure it: the simulator's entry point behind `SimulatorBackend`.

`execute` compiles the circuit (once per circuit and fusion options: `compiled_circuit`), chooses how
to run it (`choose_path`), checks that it fits in memory, measures exactly, and samples shots on top.
The paths all compute `qnn.simulator.core.run`, each faster where it applies:

- ``"product"``: circuits of one-wire gates only (the separable model, every ablation without entanglement):
  each wire apart, never the 2^n state (`qnn.simulator.product`): one autograd node from the angles.
- ``"dense"``: circuits of a few qubits that read inputs in several layers, as a few batched unitaries
  (`qnn.simulator.dense`); autograd through them.
- ``"forward"``: no gradients needed; the fused plan a slice of the batch at a time
  (`engine.measure_in_slices`).
- ``"adjoint"`` and ``"backprop"``, the gradient methods (`gradient_method`): the fused plan forward,
  then the adjoint sweep (`qnn.simulator.adjoint`), or autograd recording every operation.

Example:
    >>> import circuits, torch
    >>> from qnn.observables import PauliSum
    >>> execute(circuits.angle_encoding(2), (PauliSum(((1.0, "ZI"),)),), torch.zeros(1, 2), torch.zeros(0))
    tensor([[1.]])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, partial

import torch

from circuits.circuit import Circuit
from qnn.observables import PauliSum, Probabilities
from qnn.simulator.adjoint import AdjointRun, adjoint_measure
from qnn.simulator.checkpoints import checkpoints
from qnn.simulator.dense import dense_states
from qnn.simulator.dense_recipe import DENSE_MAX_QUBITS, DenseRecipe, dense_bytes, dense_recipe
from qnn.simulator.dense_recipe import supports as dense_supports
from qnn.simulator.engine import COMPLEX_DTYPE, measure_in_slices, run_plan
from qnn.simulator.fusion import Plan, make_plan
from qnn.simulator.heisenberg import fold_final_permutation
from qnn.simulator.identity import IdentityCache
from qnn.simulator.measure import measure_exact, sampled_expectations, sampled_probabilities
from qnn.simulator.memory import check_memory, fits
from qnn.simulator.product import product_expectations, product_recipe
from qnn.simulator.product import supports as product_supports
from qnn.simulator.program import Program, compile_circuit
from qnn.simulator.settings import DEFAULT_SETTINGS, SimulatorSettings

METHODS = ("auto", "adjoint", "backprop")  # the gradient methods a user may ask for
PATHS = ("product", "dense", "forward", "adjoint", "backprop")  # the ways `execute` runs a circuit


class CompiledCircuit:
    """A circuit's program and fused plan, and, worked out when first needed, its dense path's recipe
    and its plans with the final permutation folded into given observables."""

    def __init__(self, program: Program, plan: Plan):
        self.program, self.plan = program, plan
        self._folded: dict = {}

    @cached_property
    def product_recipe(self):
        """The product path's `ProductRecipe`, or None where the program has a gate on several wires."""
        return product_recipe(self.program) if product_supports(self.program) else None

    @cached_property
    def dense_recipe(self):
        """The dense path's `DenseRecipe`, or None where that path cannot run the program."""
        return dense_recipe(self.program) if dense_supports(self.program) else None

    def folded(self, observables) -> tuple[Plan, object]:
        """(plan, observables) with the final permutation moved into the observables (`fold_final_permutation`),
        for calls that do not need the final state itself."""
        found = self._folded.get(observables)
        if found is None:
            if len(self._folded) >= 64:
                self._folded.clear()
            found = self._folded[observables] = fold_final_permutation(self.plan, observables)
        return found


_COMPILED = IdentityCache()  # by circuit, fusion width and product-state switch


def compiled_circuit(circuit: Circuit, fuse: int = 4, product_state: bool = True) -> CompiledCircuit:
    """The `CompiledCircuit` of `circuit`, made once while cached (a layer passes the same circuit every call)."""
    return _COMPILED.get(circuit, lambda: _compile(compile_circuit(circuit), fuse, product_state), fuse, product_state)


def _compile(program: Program, fuse: int, product_state: bool) -> CompiledCircuit:
    return CompiledCircuit(program, make_plan(program, fuse, product_state))


def execute(
    circuit: Circuit,
    observables,
    inputs: torch.Tensor,
    weights: torch.Tensor,
    *,
    method: str = "auto",
    fuse: int = 4,
    product_state: bool = True,
    dense_max_qubits: int = DENSE_MAX_QUBITS,
    max_memory: int | None = None,
    shots: int | None = None,
    generator: torch.Generator | None = None,
    settings: SimulatorSettings = DEFAULT_SETTINGS,
) -> torch.Tensor:
    """(batch, n_outputs) real: `observables` (a tuple of `PauliSum`s, or `Probabilities`) measured on
    `circuit` for `inputs` (batch, n_inputs) and `weights` (n_weights,), float32 or float64 on one device.

    Differentiable with respect to both. With `shots`, sampled values forward and the exact values'
    gradient backward. `method`, `fuse`, `product_state`, `dense_max_qubits`, `max_memory`
    and `settings` are `SimulatorBackend`'s options.
    """
    if weights.dtype not in COMPLEX_DTYPE:
        raise TypeError(f"the simulator runs in float32 or float64 weights, got {weights.dtype}")
    compiled = compiled_circuit(circuit, fuse, product_state)
    dtype, batch = COMPLEX_DTYPE[weights.dtype], inputs.shape[0]
    differentiable = torch.is_grad_enabled() and (weights.requires_grad or inputs.requires_grad)
    keep_state = shots is not None and not isinstance(observables, Probabilities)  # to sample from

    def dense_fits(recipe) -> bool:
        return fits(dense_bytes(recipe, batch, dtype), weights.device, max_memory, settings)

    path = choose_path(compiled, method, dense_max_qubits, differentiable, observables, keep_state, dense_fits)
    if path == "product":  # never builds the 2^n state: no memory check, no state to sample from
        return product_expectations(compiled.product_recipe, observables, inputs, weights, dtype)
    angles = compiled.program.angles(inputs, weights)
    if path != "dense":  # the dense path was chosen only where it fits
        check_memory(compiled.plan, batch, dtype, weights.device, path, max_memory, settings)
    run = Run(batch, dtype, keep_state, max_memory, settings, inputs.requires_grad)
    exact, state = measure_exactly(compiled, path, observables, angles, run)
    if shots is None:
        return exact
    if isinstance(observables, Probabilities):
        estimate = sampled_probabilities(exact.detach(), shots, generator)
    else:
        shaped = state.detach().view(batch, *[2] * compiled.plan.n_qubits)
        estimate = sampled_expectations(shaped, observables, shots, generator)
    # Sampled values forward; the exact expectation's gradient backward (a straight-through estimator).
    return exact + (estimate - exact).detach()


def choose_path(
    compiled: CompiledCircuit,
    method: str,
    dense_max_qubits: int,
    differentiable: bool,
    observables=None,
    keep_state: bool = False,
    dense_fits: Callable[[DenseRecipe], bool] | None = None,
) -> str:
    """The one place the simulator chooses how to run a circuit: one of `PATHS`.

    `dense_fits`: whether the call's batch fits in memory on the dense path, whose per-sample products take far
    more than a few states (None: assumed to fit); where it does not, the gate-by-gate engine runs it.
    """
    # Measured on one core: a separable 10-qubit, 3-layer fit step at batch 32 1.5x faster than the adjoint
    # engine, and a product state never needs 2^n memory. Sampling shots needs the state, so not then.
    pauli_sums = isinstance(observables, tuple) and all(isinstance(o, PauliSum) for o in observables)
    if method == "auto" and pauli_sums and not keep_state and compiled.product_recipe is not None:
        return "product"
    # Measured on one core, forward + backward against the gate-by-gate engine: 5.7x faster for a 4-qubit,
    # 15-layer re-uploading step and 9.8x for a 6-qubit one; 1.1-1.6x for one encoding layer and constant
    # entanglers (angle or amplitude encoding with strongly entangling or basic entangler layers, 3-6 qubits,
    # batch 1-1024). Entanglers that read inputs: 0.84-0.88x in one layer (an IQP encoding, 4 qubits); an IQP
    # variational step (10 repeats, 15 layers, batch 32), whose Z rotations are one phase a layer, 5.1x faster
    # at 4 qubits, 1.1x at 5, but 0.77x at 6. Where every layer reads inputs (re-uploading, 4 and 15 layers,
    # batch 32 and 256), 1.9-2.6x at 7 qubits, 1.3-1.9x at 8, 0.7-1.4x at 9; where some do not (an encoding
    # and strongly entangling layers), 0.5-0.9x at 7. Each shape stops at its own limit (`recipe.max_qubits`).
    n_qubits = compiled.plan.n_qubits
    if method == "auto" and n_qubits <= dense_max_qubits:
        recipe = compiled.dense_recipe
        layered = recipe is not None and (recipe.n_batched_layers >= 2 or recipe.constant_entanglers is not None)
        if layered and n_qubits <= recipe.max_qubits(differentiable) and (dense_fits is None or dense_fits(recipe)):
            return "dense"
    if not differentiable:
        return "forward"
    return gradient_method(method, compiled.plan)


def gradient_method(method: str, plan: Plan) -> str:
    """The gradient method, "adjoint" or "backprop", that `method` (one of `METHODS`) asks for:
    "auto" takes adjoint, except for circuits with StatePrep, which it does not differentiate."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(map(repr, METHODS))}, got {method!r}")
    if method == "auto":
        return "backprop" if plan.has_state_prep else "adjoint"
    return method


@dataclass(frozen=True)
class Run:
    """What one call of `execute` asks of `measure_exactly`, beside the circuit and its angles."""

    batch: int
    dtype: torch.dtype  # of the states
    keep_state: bool  # return the final states, to sample from
    max_memory: int | None
    settings: SimulatorSettings
    input_gradients: bool = True  # whether the inputs need a gradient (else an encoding's tensors need none)


def measure_exactly(compiled: CompiledCircuit, path: str, observables, angles, run: Run):
    """(exact values (batch, n_outputs), the final states (batch, 2**n) or None) by `path`.

    `angles`: the call's `Angles`; the states are returned where `run.keep_state` (or
    where a path has them anyway), to sample from.
    """
    batch, dtype, settings = run.batch, run.dtype, run.settings
    if path == "dense":
        state = dense_states(compiled.dense_recipe, angles, batch, dtype, run.input_gradients)
        return measure_exact(state, observables), state
    plan = compiled.plan
    if not run.keep_state:
        plan, observables = compiled.folded(observables)
    if path == "adjoint":
        kept = checkpoints(plan, batch, dtype, angles.shared.device, run.max_memory, settings, run.input_gradients)
        adjoint = AdjointRun(plan, observables, batch, dtype, kept, settings, run.input_gradients)
        return adjoint_measure(adjoint, angles, run.keep_state)
    measure = partial(measure_exact, observables=observables)
    if path == "forward":
        return measure_in_slices(plan, angles, batch, dtype, measure, run.keep_state, settings)
    state = run_plan(plan, angles, batch, dtype, settings)
    return measure(state), state
