"""Measurements of batched states: Pauli expectation values and probabilities, exact or sampled."""

import math
from functools import lru_cache

import torch

from qnn.observables import PauliSum
from qnn.simulator.constants import outside_inference_mode
from qnn.simulator.workspace import TEMPORARY, scratch

SMALL_STATE_QUBITS = 6  # up to here Z-only observables are read from one table of every basis state's values


def probabilities(state: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
    """(batch, 2, …, 2) complex → (batch, 2**n) real.

    `out`: an optional real (batch, 2**n) tensor to write into, without a graph for autograd.
    """
    if out is None:
        return (state.real.square() + state.imag.square()).reshape(state.shape[0], -1)
    flat = state.reshape(state.shape[0], -1)
    return torch.mul(flat.real, flat.real, out=out).addcmul_(flat.imag, flat.imag)


def apply_pauli_word(state: torch.Tensor, word: str) -> torch.Tensor:
    for w, letter in enumerate(word):
        axis = 1 + w
        if letter in ("Z", "Y"):
            sign = torch.tensor([1.0, -1.0], dtype=state.real.dtype, device=state.device)
            state = state * sign.reshape([2] + [1] * (state.dim() - axis - 1))
        if letter in ("X", "Y"):
            state = state.flip(axis)
        if letter == "Y":  # Y = i·X·Z
            state = state * 1j
    return state


def measure_exact(state: torch.Tensor, observables, scratch_name: str = TEMPORARY) -> torch.Tensor:
    """Exact values of `observables` (a tuple of `PauliSum`s, or `Probabilities`) on (batch, 2**n) states.

    `scratch_name`: the `workspace` scratch tensor for the probabilities (when no graph is recorded).
    """
    if isinstance(observables, tuple):
        return expectations(state, observables, scratch_name)
    return probabilities(state)


def word_expectation(state: torch.Tensor, word: str) -> torch.Tensor:
    """⟨ψ|P|ψ⟩ for each (batch, 2, …, 2) state: (batch,) real. For words with X or Y; Z-only words are
    measured together from the probabilities (`expectations`)."""
    flipped = apply_pauli_word(state, word)
    return (state.conj() * flipped).real.sum(tuple(range(1, state.dim())))


def expectations(state: torch.Tensor, observables: tuple[PauliSum, ...], scratch_name: str = TEMPORARY) -> torch.Tensor:
    """(batch, len(observables)) real expectation values of a (batch, 2, …, 2) or (batch, 2**n) state.

    All Z-only words are measured together from the probabilities (see `z_signs`, or `z_table` for
    states of a few qubits); other words flip the state once each.
    """
    n = state[0].numel().bit_length() - 1
    coefficients, words = term_matrix(observables)
    diagonal = [i for i, w in enumerate(words) if set(w) <= {"I", "Z"}]
    if len(diagonal) == len(words) and n <= SMALL_STATE_QUBITS:
        # A few amplitudes: the probabilities times one (2**n, n_observables) table, two autograd steps.
        probs = torch.view_as_real(state.reshape(state.shape[0], -1).resolve_conj()).square().sum(-1)
        return probs @ z_table(observables, probs.dtype, state.device)
    state = state.reshape(state.shape[0], *[2] * n)
    values = [None] * len(words)
    if diagonal:
        high, low = z_signs(tuple(words[i] for i in diagonal), state.real.dtype, state.device)
        # Σ_x p_x high_w(x_high) low_w(x_low): one product over the low wires, then a sum over the high ones.
        recording = torch.is_grad_enabled() and state.requires_grad
        shape = (state.shape[0], high.shape[0] * low.shape[1])
        probs = probabilities(state, None if recording else scratch(scratch_name, shape, low.dtype, state.device))
        over_low = probs.view(-1, low.shape[1]) @ low.T
        measured = (over_low.view(state.shape[0], *high.shape) * high).sum(1)
        if len(diagonal) == len(words):
            return measured @ coefficients.to(measured.dtype).to(measured.device)
        for j, i in enumerate(diagonal):
            values[i] = measured[:, j]
    for i, word in enumerate(words):
        if values[i] is None:
            values[i] = word_expectation(state, word)
    per_word = torch.stack(values, dim=1)
    return per_word @ coefficients.to(per_word.dtype).to(per_word.device)


@lru_cache(maxsize=64)
@outside_inference_mode
def term_matrix(observables: tuple[PauliSum, ...]) -> tuple[torch.Tensor, tuple[str, ...]]:
    """The distinct words of `observables` and a (n_words, n_observables) matrix of their coefficients.

    Cached: the matrix is shared between calls and must not be modified.
    """
    words = sorted({w for obs in observables for _, w in obs.terms})
    where = {w: i for i, w in enumerate(words)}
    coefficients = torch.zeros(len(words), len(observables), dtype=torch.float64)
    for k, obs in enumerate(observables):
        for c, w in obs.terms:
            coefficients[where[w], k] += c
    return coefficients, tuple(words)


@lru_cache(maxsize=32)
@outside_inference_mode
def z_table(observables: tuple[PauliSum, ...], dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """(2**n, n_observables): each Z-only observable's value on each basis state, for `expectations`."""
    coefficients, words = term_matrix(observables)
    signs = word_signs(list(words), torch.float64, device)  # (n_words, 2**n)
    return (signs.T @ coefficients.to(device)).to(dtype)


@lru_cache(maxsize=32)
@outside_inference_mode
def z_signs(words: tuple[str, ...], dtype: torch.dtype, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """The eigenvalues ±1 of each Z-only word, as (2**h, n_words) on the first h wires (about half) and
    (n_words, 2**(n - h)) on the others: a word's eigenvalue on a basis state is their product.

    Two small tables instead of one (n_words, 2**n): at 20 qubits that one would take 160 MiB, and
    reading it for every slice of the batch took most of the measurement's time.
    """
    n = len(words[0])
    # Half of the wires, but few enough that per sample the products with the high table,
    # 2**h · n_words values, stay at most an eighth of the 2**n amplitudes (at 8 qubits h = 2).
    h = max(0, min(n // 2, n - 3 - math.ceil(math.log2(len(words)))))
    high = word_signs([w[:h] for w in words], dtype, device).T.contiguous()
    return high, word_signs([w[h:] for w in words], dtype, device)


def word_signs(words: list[str], dtype, device) -> torch.Tensor:
    """(len(words), 2**n) ±1: each Z-only word's eigenvalue on each basis state, wire 0 the top bit."""
    n = len(words[0])
    basis = torch.arange(2**n, device=device)
    rows = []
    for word in words:
        parity = torch.zeros_like(basis)
        for w, letter in enumerate(word):
            if letter == "Z":
                parity ^= (basis >> (n - 1 - w)) & 1
        rows.append(1 - 2 * parity)
    return torch.stack(rows).to(dtype)


def adjoint_start(state: torch.Tensor, observables, grad: torch.Tensor, out=None) -> torch.Tensor:
    """(batch, 2**n) flat conj(Σ_k grad[:, k] O_k |ψ⟩): the start of the adjoint sweep, conjugated.

    `observables` is a tuple of `PauliSum`s with `grad` (batch, n_observables), or `Probabilities`
    with `grad` (batch, 2**n) (the observables are then the projectors on the basis states).
    `out`: an optional tensor like `state` to write into.
    """
    real = state.real.dtype
    out = torch.empty_like(state) if out is None else out
    # Conjugated in place after the product: a product with state.conj() makes a conjugated copy first.
    if not isinstance(observables, tuple):
        return torch.mul(state, grad.to(real), out=out).conj_physical_()
    coefficients, words = term_matrix(observables)
    per_word = grad.to(real) @ coefficients.to(grad.device, real).T  # (batch, n_words)
    diagonal = [i for i, w in enumerate(words) if set(w) <= {"I", "Z"}]
    if diagonal:
        # The weight of each basis state, Σ_w per_word_w high_w low_w, as (batch, 2**h) x (2**(n-h))
        # products written into `out`, then multiplied by the state there: no state-sized temporary.
        # Complex tables, as a real operand of the product with the state would be converted to a
        # fresh state-sized complex tensor first.
        high, low = z_signs(tuple(words[i] for i in diagonal), state.dtype, state.device)
        torch.mm((per_word[:, None, diagonal] * high).view(-1, low.shape[0]), low, out=out.view(-1, low.shape[1]))
        result = out.mul_(state).conj_physical_()
    else:
        result = out.zero_()
    n = state.shape[1].bit_length() - 1
    for i, word in enumerate(words):
        if i not in diagonal:
            flipped = apply_pauli_word(state.view(state.shape[0], *[2] * n), word).reshape(state.shape)
            result += per_word[:, i, None] * flipped.conj()
    return result


# Rotations that take each Pauli's eigenbasis to the computational basis (applied before sampling).
_H = [[2**-0.5, 2**-0.5], [2**-0.5, -(2**-0.5)]]
_BASIS_CHANGE = {"X": _H, "Y": [[2**-0.5, -1j * 2**-0.5], [2**-0.5, 1j * 2**-0.5]]}  # H·S†


def _rotate_to_z(state: torch.Tensor, basis: str) -> torch.Tensor:
    from qnn.simulator.kernels import apply_one_qubit

    for w, letter in enumerate(basis):
        if letter in _BASIS_CHANGE:
            m = torch.tensor(_BASIS_CHANGE[letter], dtype=state.dtype, device=state.device)
            state = apply_one_qubit(state, m, w)
    return state


def sample_indices(probs: torch.Tensor, shots: int, generator: torch.Generator | None) -> torch.Tensor:
    """(batch, shots) basis-state indices drawn from `probs` (batch, 2**n)."""
    device = generator.device if generator is not None else probs.device
    p = probs.detach().to(device=device, dtype=torch.float64).clamp_min(0)
    return torch.multinomial(p, shots, replacement=True, generator=generator).to(probs.device)


def sampled_expectations(
    state: torch.Tensor, observables: tuple[PauliSum, ...], shots: int, generator: torch.Generator | None
) -> torch.Tensor:
    """Finite-shot estimates (batch, len(observables)); `shots` samples per measurement basis.

    Terms are grouped by the basis they are measured in (X, Y or Z on each wire), so that
    ⟨Z⟩ on every wire costs one set of samples.
    """
    n = state.dim() - 1
    samples: dict[str, torch.Tensor] = {}
    columns = []
    for obs in observables:
        total = 0.0
        for coeff, word in obs.terms:
            basis = word.replace("I", "Z")
            if basis not in samples:
                probs = probabilities(_rotate_to_z(state, basis))
                samples[basis] = sample_indices(probs, shots, generator)
            idx = samples[basis]
            parity = torch.zeros_like(idx)
            for w, letter in enumerate(word):
                if letter != "I":
                    parity ^= (idx >> (n - 1 - w)) & 1
            total = total + coeff * (1 - 2 * parity).to(state.real.dtype).mean(-1)
        columns.append(total)
    return torch.stack(columns, dim=1)


def sampled_probabilities(probs: torch.Tensor, shots: int, generator: torch.Generator | None) -> torch.Tensor:
    idx = sample_indices(probs, shots, generator)
    counts = torch.zeros_like(probs).scatter_add_(1, idx, torch.ones_like(idx, dtype=probs.dtype))
    return counts / shots
