"""`Sampler`: Qiskit's BaseSamplerV2 on qnn's simulator."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import torch
from qiskit.primitives import BaseSamplerV2, DataBin, PrimitiveJob, PrimitiveResult, SamplerPubResult
from qiskit.primitives.containers import BitArray
from qiskit.primitives.containers.sampler_pub import SamplerPub

from qnn.backends.simulator import SimulatorBackend
from qnn.observables import Probabilities
from qnn.qiskit.batch import CircuitCache, binding_values, run_batch


class Sampler(BaseSamplerV2):
    """Samples of a circuit's final measurements, as `qiskit.primitives.StatevectorSampler`, one batch per PUB.

    Args:
        default_shots: shots per parameter set when a PUB asks for none (1024).
        seed: seed or `numpy.random.Generator` of the samples.
        backend: the `SimulatorBackend` that computes the probabilities.
        device: torch device of the simulation.

    Measurements must come at the end (after every gate on their qubit); each classical register
    becomes a `BitArray` of shape `(*pub.shape)` with `shots` samples, as Qiskit's sampler returns.

    Example:
        >>> from qiskit import QuantumCircuit
        >>> qc = QuantumCircuit(2)
        >>> _ = qc.x(1)
        >>> qc.measure_all()
        >>> Sampler(seed=0).run([qc], shots=10).result()[0].data.meas.get_counts()
        {'10': 10}
    """

    def __init__(
        self,
        *,
        default_shots: int = 1024,
        seed: np.random.Generator | int | None = None,
        backend: SimulatorBackend | None = None,
        device: str = "cpu",
    ):
        if isinstance(default_shots, bool) or not isinstance(default_shots, int) or default_shots < 1:
            raise ValueError(f"default_shots must be a positive integer, got {default_shots!r}")
        self._default_shots = default_shots
        self._rng = np.random.default_rng(seed)
        self._backend = backend or SimulatorBackend()
        self._device = device
        self._circuits = CircuitCache()

    @property
    def default_shots(self) -> int:
        return self._default_shots

    def run(self, pubs: Iterable, *, shots: int | None = None) -> PrimitiveJob:
        shots = self._default_shots if shots is None else shots
        coerced = [SamplerPub.coerce(pub, shots) for pub in pubs]
        job = PrimitiveJob(self._run, coerced)
        job._submit()
        return job

    def _run(self, pubs: list[SamplerPub]) -> PrimitiveResult:
        return PrimitiveResult([self._run_pub(pub) for pub in pubs], metadata={"version": 2})

    def _run_pub(self, pub: SamplerPub) -> SamplerPubResult:
        mapping = final_measurements(pub.circuit)
        circuit = self._circuits.get(pub.circuit.remove_final_measurements(inplace=False))
        values = binding_values(pub.circuit, pub.parameter_values)
        probabilities = run_batch(self._backend, circuit, Probabilities(), values, self._device)
        outcomes = self._sample(probabilities, pub.shots)  # (n_bindings, shots), wire 0 the most significant bit
        wires = (outcomes[..., None] >> (circuit.n_qubits - 1 - np.arange(circuit.n_qubits))) & 1
        registers = {}
        for register in pub.circuit.cregs:
            bits = np.zeros((*outcomes.shape, register.size), dtype=bool)
            for j, clbit in enumerate(register):
                if clbit in mapping:
                    bits[..., j] = wires[..., mapping[clbit]]
            array = BitArray.from_bool_array(bits, order="little")
            registers[register.name] = array.reshape(*pub.shape, pub.shots)
        metadata = {"shots": pub.shots, "circuit_metadata": pub.circuit.metadata}
        return SamplerPubResult(DataBin(**registers, shape=pub.shape), metadata=metadata)

    def _sample(self, probabilities: np.ndarray, shots: int) -> np.ndarray:
        generator = torch.Generator().manual_seed(int(self._rng.integers(2**63 - 1)))
        probabilities = torch.as_tensor(probabilities).clamp_min(0)
        return torch.multinomial(probabilities, shots, replacement=True, generator=generator).numpy()


def final_measurements(quantum_circuit) -> dict:
    """{classical bit: qubit index} of the measurements that no later gate follows; others raise ValueError."""
    mapping, done = {}, set()
    for instruction in reversed(quantum_circuit.data):
        qubits = [quantum_circuit.find_bit(q).index for q in instruction.qubits]
        if instruction.operation.name == "measure":
            if qubits[0] in done:
                raise ValueError(f"qubit {qubits[0]} is measured before other gates; only final measurements sample")
            mapping.setdefault(instruction.clbits[0], qubits[0])
        elif instruction.operation.name not in ("barrier", "delay"):
            done.update(qubits)
    return mapping
