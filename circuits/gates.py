"""The gate catalogue: every gate a circuit may hold, with its wire and parameter counts.

Conventions follow PennyLane (RX(θ) = exp(-iθX/2), Rot(φ, θ, ω) = RZ(ω) RY(θ) RZ(φ),
U3(θ, φ, δ) as PennyLane's `U3`, RXX/RYY/RZZ as `IsingXX/YY/ZZ`); the first wire of a
controlled gate is its control.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class GateSpec:
    n_wires: int | None  # None: any number of wires, at least one
    n_params: int


GATES: dict[str, GateSpec] = {
    "H": GateSpec(1, 0),
    "X": GateSpec(1, 0),
    "Y": GateSpec(1, 0),
    "Z": GateSpec(1, 0),
    "S": GateSpec(1, 0),
    "T": GateSpec(1, 0),
    "RX": GateSpec(1, 1),
    "RY": GateSpec(1, 1),
    "RZ": GateSpec(1, 1),
    "PhaseShift": GateSpec(1, 1),
    "Rot": GateSpec(1, 3),
    "U3": GateSpec(1, 3),
    "CNOT": GateSpec(2, 0),
    "CZ": GateSpec(2, 0),
    "CRX": GateSpec(2, 1),
    "CRY": GateSpec(2, 1),
    "CRZ": GateSpec(2, 1),
    "SWAP": GateSpec(2, 0),
    "RXX": GateSpec(2, 1),
    "RYY": GateSpec(2, 1),
    "RZZ": GateSpec(2, 1),
    "MultiRZ": GateSpec(None, 1),
}

# Amplitude encoding: sets the amplitudes of its wires (which must still be in |0…0⟩) to its
# 2**len(wires) parameters, normalised. It has one parameter per amplitude, not per angle.
STATE_PREP = "StatePrep"


def n_params_of(gate: str, n_wires: int) -> int:
    if gate == STATE_PREP:
        return 2**n_wires
    return GATES[gate].n_params


def check_gate(gate: str, n_wires: int) -> None:
    """Raise ValueError unless `gate` is known and acts on `n_wires` wires."""
    if gate == STATE_PREP:
        return
    if gate not in GATES:
        known = ", ".join(sorted([*GATES, STATE_PREP]))
        raise ValueError(f"unknown gate {gate!r}; expected one of: {known}")
    expected = GATES[gate].n_wires
    if expected is not None and n_wires != expected:
        raise ValueError(f"gate {gate} acts on {expected} wire(s), got {n_wires}")
