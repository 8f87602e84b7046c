"""Gate matrices as torch tensors, batched over leading dimensions of their angles.

Every function takes angles of shape (..., n_params) (real) and returns (..., d, d) complex
matrices, or (..., d) diagonals for the gates in `DIAGONAL`. Conventions are PennyLane's.
"""

import math

import torch

from qnn.simulator.constants import constant

SQRT1_2 = 1 / math.sqrt(2)

# Gates applied as an elementwise phase, and gates applied as an index permutation.
DIAGONAL = {"Z", "S", "T", "RZ", "PhaseShift", "CZ", "CRZ", "RZZ", "MultiRZ"}
PERMUTATION = {"X", "CNOT", "SWAP"}


def _c(real, imag=None):
    return torch.complex(real, torch.zeros_like(real) if imag is None else imag)


def _expi(phi):
    return torch.polar(torch.ones_like(phi), phi)


def _mat2(a, b, c, d):
    """Stack four (...,) complex entries into (..., 2, 2)."""
    return torch.stack([torch.stack([a, b], -1), torch.stack([c, d], -1)], -2)


def constant_matrix(gate: str, dtype: torch.dtype, device) -> torch.Tensor:
    h = SQRT1_2
    table = {
        "H": [[h, h], [h, -h]],
        "Y": [[0, -1j], [1j, 0]],
    }
    return torch.tensor(table[gate], dtype=dtype, device=device)


def constant_diagonal(gate: str, n_wires: int, dtype: torch.dtype, device) -> torch.Tensor:
    table = {
        "Z": [1, -1],
        "S": [1, 1j],
        "T": [1, complex(SQRT1_2, SQRT1_2)],
        "CZ": [1, 1, 1, -1],
    }
    return torch.tensor(table[gate], dtype=dtype, device=device)


def rotation_matrix(gate: str, angles: torch.Tensor) -> torch.Tensor:
    """Dense (..., d, d) matrix of a parametrised non-diagonal gate."""
    if gate in ("Rot", "U3"):
        return _rot(angles) if gate == "Rot" else _u3(angles)
    t = angles[..., 0]
    if gate in ("RX", "RY"):
        return _rx_ry(gate, t)
    if gate in ("CRX", "CRY"):
        return _controlled(_rx_ry(gate[1:], t))
    if gate in ("RXX", "RYY"):
        return _ising(gate, t)
    raise ValueError(f"no dense matrix for gate {gate!r}")


def rotation_diagonal(gate: str, angles: torch.Tensor, n_wires: int) -> torch.Tensor:
    """Diagonal (..., 2**n_wires) of a parametrised diagonal gate."""
    t = angles[..., 0]
    if gate == "PhaseShift":
        return torch.stack([_c(torch.ones_like(t)), _expi(t)], -1)
    if gate == "CRZ":
        one = _c(torch.ones_like(t))
        return torch.stack([one, one, _expi(-t / 2), _expi(t / 2)], -1)
    # RZ, RZZ, MultiRZ: exp(-iθ/2 Z⊗…⊗Z), whose diagonal is exp(-iθ/2 · parity sign).
    signs = parity_signs(n_wires, t.device, t.dtype)
    return _expi(-0.5 * t[..., None] * signs)


def parity_signs(n_wires: int, device, dtype) -> torch.Tensor:
    """(2**n_wires,) eigenvalues of Z⊗…⊗Z: +1 for even parity, -1 for odd."""
    idx = torch.arange(2**n_wires, device=device)
    parity = torch.zeros_like(idx)
    for k in range(n_wires):
        parity ^= (idx >> k) & 1
    return (1 - 2 * parity).to(dtype)


# Each rotation's four entries are written as magnitude × phase, with magnitudes cos(θ/2 + offset)
# (cos(x + π/2) = -sin x): a handful of tensor operations per gate type instead of a few per entry,
# which is what autograd then walks back through on every training step.
_HALF_PI = math.pi / 2
_RX_RY_OFFSETS = {"RX": (0.0, _HALF_PI, _HALF_PI, 0.0), "RY": (0.0, _HALF_PI, -_HALF_PI, 0.0)}
_RX_PHASES = (1, 1j, 1j, 1)  # RX = [[c, -i s], [-i s, c]]


def _rx_ry(gate, t):
    offsets = constant(_RX_RY_OFFSETS[gate], t.dtype, t.device)
    magnitudes = torch.cos(0.5 * t[..., None] + offsets)  # (c, -s, ∓s, c)
    entries = magnitudes * constant(_RX_PHASES, t.dtype.to_complex(), t.device) if gate == "RX" else _c(magnitudes)
    return entries.reshape(*t.shape, 2, 2)


# Rot(φ, θ, ω) = RZ(ω) RY(θ) RZ(φ) = [[e^{-i(φ+ω)/2} c, -e^{i(φ-ω)/2} s], [e^{-i(φ-ω)/2} s, e^{i(φ+ω)/2} c]]:
# phases are (φ, θ, ω) @ _ROT_PHASES / 2, magnitudes cos(θ/2 + offset).
_ROT_PHASES = ((-1.0, 1.0, -1.0, 1.0), (0.0, 0.0, 0.0, 0.0), (-1.0, -1.0, 1.0, 1.0))
_ROT_OFFSETS = (0.0, _HALF_PI, -_HALF_PI, 0.0)


def _rot(angles):
    half = 0.5 * angles
    phases = half @ constant(_ROT_PHASES, angles.dtype, angles.device)
    offsets = constant(_ROT_OFFSETS, angles.dtype, angles.device)
    magnitudes = torch.cos(half[..., 1:2] + offsets)
    return (magnitudes * _expi(phases)).reshape(*angles.shape[:-1], 2, 2)


def _u3(angles):
    theta, phi, delta = angles.unbind(-1)
    c, s = torch.cos(theta / 2), torch.sin(theta / 2)
    return _mat2(_c(c), -_expi(delta) * s, _expi(phi) * s, _expi(phi + delta) * c)


def _controlled(u):
    """(..., 2, 2) → (..., 4, 4) block-diag(I, u)."""
    out = torch.zeros(*u.shape[:-2], 4, 4, dtype=u.dtype, device=u.device)
    out[..., 0, 0] = 1
    out[..., 1, 1] = 1
    out[..., 2:, 2:] = u
    return out


def _ising(gate, t):
    """exp(-iφ/2 P⊗P) = cos(φ/2) I - i sin(φ/2) P⊗P for P = X or Y."""
    c, s = torch.cos(t / 2), torch.sin(t / 2)
    pp = torch.tensor([[0, 0, 0, 1], [0, 0, 1, 0], [0, 1, 0, 0], [1, 0, 0, 0]], dtype=torch.float64, device=t.device)
    if gate == "RYY":
        pp = pp * torch.tensor([-1.0, 1.0, 1.0, -1.0], dtype=torch.float64, device=t.device)[:, None]
    eye = torch.eye(4, dtype=torch.float64, device=t.device)
    pp, eye = pp.to(t.dtype), eye.to(t.dtype)
    return _c(c[..., None, None] * eye, -s[..., None, None] * pp)


_PERMUTATION_MATRICES = {
    "X": [[0, 1], [1, 0]],
    "CNOT": [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]],
    "SWAP": [[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]],
}


def gate_matrix(gate: str, angles: torch.Tensor, n_wires: int, dtype: torch.dtype) -> torch.Tensor:
    """Dense (..., 2**n_wires, 2**n_wires) matrix of any gate but StatePrep, diagonal and permutation ones included.

    `angles`: (..., n_params) real; a gate without parameters gives a (d, d) matrix.
    """
    device = angles.device
    if gate in PERMUTATION:
        return torch.tensor(_PERMUTATION_MATRICES[gate], dtype=dtype, device=device)
    if gate in DIAGONAL:
        if angles.shape[-1] == 0:
            return torch.diag(constant_diagonal(gate, n_wires, dtype, device))
        return torch.diag_embed(rotation_diagonal(gate, angles, n_wires).to(dtype))
    if angles.shape[-1] == 0:
        return constant_matrix(gate, dtype, device)
    return rotation_matrix(gate, angles).to(dtype)
