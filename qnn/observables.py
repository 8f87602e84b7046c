"""What a layer measures: weighted sums of Pauli words, or the computational-basis probabilities.

A Pauli word is a string over I, X, Y, Z whose character i acts on wire i ("ZIZI"); a word shorter
than the circuit leaves the remaining wires alone. Accepted specifications, turned into objects by
`parse_observables`: a word, a `{word: coefficient}` dict, a list of `(coefficient, word)` pairs,
a `PauliSum`, or `Probabilities()`.

Example:
    >>> parse_observables(["ZZ", {"XI": 0.5, "IX": 0.5}], n_qubits=2)[1]
    PauliSum(terms=((0.5, 'XI'), (0.5, 'IX')))
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

PAULI_LETTERS = frozenset("IXYZ")


@dataclass(frozen=True)
class PauliSum:
    terms: tuple[tuple[float, str], ...]

    @property
    def is_diagonal(self) -> bool:
        return all(set(word) <= {"I", "Z"} for _, word in self.terms)

    def padded(self, n_qubits: int) -> PauliSum:
        return PauliSum(tuple((c, word.ljust(n_qubits, "I")) for c, word in self.terms))

    def __str__(self) -> str:
        return " + ".join(word if c == 1 else f"{c:g}·{word}" for c, word in self.terms)


@dataclass(frozen=True)
class Probabilities:
    """All 2**n_qubits basis-state probabilities, wire 0 the most significant bit."""


Observable = PauliSum | Probabilities


def z_on_each_wire(n_qubits: int) -> tuple[PauliSum, ...]:
    return tuple(PauliSum(((1.0, "I" * w + "Z" + "I" * (n_qubits - w - 1)),)) for w in range(n_qubits))


def parse_observables(spec, n_qubits: int) -> tuple[PauliSum, ...] | Probabilities:
    """Turn a user's `observables` argument into a tuple of `PauliSum`s (or `Probabilities`)."""
    if spec is None:
        return z_on_each_wire(n_qubits)
    if isinstance(spec, Probabilities) or spec == "probs":
        return Probabilities()
    if isinstance(spec, str | dict | PauliSum):
        spec = [spec]
    try:
        items = list(spec)
    except TypeError:
        raise TypeError(f"observables must be a Pauli word, a list of them, or Probabilities(), got {spec!r}") from None
    if not items:
        raise ValueError("observables must not be empty")
    return tuple(_parse_one(item, n_qubits) for item in items)


def _parse_one(item, n_qubits: int) -> PauliSum:
    if isinstance(item, PauliSum):
        terms = item.terms
    elif isinstance(item, str):
        terms = ((1.0, item),)
    elif isinstance(item, dict):
        terms = tuple((coeff, word) for word, coeff in item.items())
    elif isinstance(item, list | tuple) and all(isinstance(t, list | tuple) and len(t) == 2 for t in item):
        terms = tuple((coeff, word) for coeff, word in item)
    else:
        raise TypeError(f"an observable must be a Pauli word like 'ZIZI', a dict or a PauliSum, got {item!r}")
    if not terms:
        raise ValueError("an observable needs at least one Pauli term")
    for coeff, word in terms:
        _check_word(word, n_qubits)
        if isinstance(coeff, bool) or not isinstance(coeff, numbers.Real):
            raise TypeError(f"coefficient of {word!r} must be a real number, got {coeff!r}")
        if not math.isfinite(coeff):  # a NaN coefficient would turn every output into NaN without a word
            raise ValueError(f"coefficient of {word!r} must be a finite number, got {coeff!r}")
    return PauliSum(tuple((float(c), w) for c, w in terms)).padded(n_qubits)


def _check_word(word, n_qubits: int) -> None:
    if not isinstance(word, str) or not word:
        raise TypeError(f"a Pauli word must be a non-empty string over I, X, Y, Z, got {word!r}")
    bad = set(word) - PAULI_LETTERS
    if bad:
        raise ValueError(f"unknown observable {word!r}: letters must be I, X, Y or Z, found {sorted(bad)}")
    if len(word) > n_qubits:
        raise ValueError(f"observable {word!r} acts on {len(word)} wires, longer than the circuit's {n_qubits} qubits")
