"""Recover where each gate angle comes from, by evaluating the angles at a few chosen points.

An importer knows a function `angles(x, w)` giving every gate angle of a foreign circuit for inputs
`x` (n_inputs,) and weights `w` (n_weights,), but not its formula. The circuit model holds four kinds of
source (`Const`, `Input`, `InputProduct`, `Weight`); `recover_sources` finds, for each angle, the one
that agrees with `angles` everywhere:

- an angle that moves with some inputs is a product of affine factors in them: along each input it is a
  polynomial whose real roots are those factors' zeros (an `Input` when there is one linear factor);
- an angle proportional to one weight at random points is that `Weight`, with the factor as its scale;
- an angle that moves with nothing is a `Const`.

Each answer is checked at two further random points; an angle of any other form (a shifted weight,
`sin(x)`, a weight times an input) raises ValueError naming the gate.

Example:
    >>> import numpy as np
    >>> angles = lambda x, w: np.array([2 * x[0] + 1, (np.pi - x[0]) * (np.pi - x[1]), w[1] / 2, 0.5])
    >>> sources = recover_sources(angles, ["RX", "RZ", "RY", "RX"], 2, 2, np.random.default_rng(0))
    >>> [type(s).__name__ for s in sources]
    ['Input', 'InputProduct', 'Weight', 'Const']
    >>> sources[2]
    Weight(index=1, scale=0.5)
    >>> round(sources[0].scale, 9), round(sources[0].shift, 9)
    (2.0, 1.0)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from circuits.circuit import Const, Input, InputProduct, Param, Weight
from circuits.export import evaluate

MAX_DEGREE = 4  # highest power of one input an angle may hold (IQP and ZZ maps need 1)
RTOL = 1e-7

Angles = Callable[[np.ndarray, np.ndarray], np.ndarray]


def recover_sources(
    angles: Angles, names: Sequence[str], n_inputs: int, n_weights: int, rng: np.random.Generator
) -> list[Param]:
    """One source per angle of `angles(x, w) -> (n_angles,)`; `names[k]` names angle k's gate in errors."""
    x0, w0, w1 = _point(rng, n_inputs), _point(rng, n_weights), _point(rng, n_weights)
    v0 = np.asarray(angles(x0, w0), dtype=float)
    v1 = np.asarray(angles(x0, w1), dtype=float)  # a second weight point tells a scaled weight from a constant
    lines = {i: _along_input(angles, x0, w0, i) for i in range(n_inputs)}
    sources = [_source(k, v0[k], v1[k], x0, (w0, w1), lines) for k in range(len(v0))]
    for _ in range(2):
        x, w = _point(rng, n_inputs), _point(rng, n_weights)
        _check(sources, np.asarray(angles(x, w), dtype=float), x, w, names)
    return sources


def _point(rng: np.random.Generator, n: int) -> np.ndarray:
    # Away from zero and from each other, so that no weight or root is mistaken for another.
    return rng.uniform(0.3, 1.7, n) * rng.choice([-1.0, 1.0], n)


def _offsets() -> np.ndarray:
    return np.linspace(-1.0, 1.0, MAX_DEGREE + 2)


def _along_input(angles: Angles, x0: np.ndarray, w0: np.ndarray, i: int) -> np.ndarray:
    """Every angle at x0 with input i moved by each offset: (n_offsets, n_angles)."""
    rows = []
    for t in _offsets():
        x = x0.copy()
        x[i] += t
        rows.append(np.asarray(angles(x, w0), dtype=float))
    return np.stack(rows)


def _source(k: int, v0: float, v1: float, x0: np.ndarray, w: tuple, lines: dict[int, np.ndarray]) -> Param:
    """Angle k's source from its values v0 at (x0, w[0]) and v1 at (x0, w[1]), and its values along each input."""
    moving = [i for i, values in lines.items() if np.ptp(values[:, k]) > 1e-12 * (1 + np.abs(values[:, k]).max())]
    if moving:
        return _input_product(k, v0, x0, {i: lines[i][:, k] for i in moving})
    w0, w1 = w
    scales = v0 / w0  # (n_weights,): the factor that angle k would be of each weight
    matches = np.flatnonzero(np.isclose(scales * w1, v1, rtol=RTOL, atol=0) & (np.abs(scales) > RTOL))
    if len(matches) == 1:
        j = int(matches[0])
        scale = float(scales[j])
        return Weight(j, 1.0 if np.isclose(scale, 1.0, rtol=RTOL, atol=0) else scale)
    return Const(float(v0))


def _input_product(k: int, value: float, x0: np.ndarray, lines: dict[int, np.ndarray]) -> Param | None:
    """scale * Π (x_i - root) over each moving input's roots; None when an angle is no such product."""
    if len(lines) == 1:
        [(i, values)] = lines.items()
        slope, intercept = np.polyfit(x0[i] + _offsets(), values, 1)
        if np.allclose(slope * (x0[i] + _offsets()) + intercept, values, rtol=1e-12, atol=1e-12):
            return Input(i, float(slope), float(intercept))  # fitted directly: no cancellation at a far root
    factors = []
    for i, values in lines.items():
        roots = _real_roots(x0[i] + _offsets(), values)
        if roots is None:
            return None
        factors += [Input(i, 1.0, -r) for r in roots]
    scale = value / np.prod([x0[f.index] + f.shift for f in factors])
    return InputProduct(tuple(factors), float(scale))


def _real_roots(t: np.ndarray, values: np.ndarray) -> list[float] | None:
    """The roots of the lowest-degree polynomial through (t, values), if it has at most MAX_DEGREE, all real."""
    size = 1 + np.abs(values).max()
    for degree in range(1, MAX_DEGREE + 1):
        coefficients = np.polyfit(t, values, degree)
        if np.abs(np.polyval(coefficients, t) - values).max() <= 1e-9 * size:
            roots = np.roots(coefficients)
            if np.abs(roots.imag).max(initial=0) > 1e-6 * (1 + np.abs(roots).max(initial=0)):
                return None
            return [float(r) for r in roots.real]
    return None


def _check(sources: list[Param | None], values: np.ndarray, x: np.ndarray, w: np.ndarray, names) -> None:
    for k, (source, value) in enumerate(zip(sources, values, strict=True)):
        expected = None if source is None else evaluate(source, x.__getitem__, w.__getitem__)
        ok = expected is not None and np.isclose(expected, value, rtol=1e-6, atol=1e-9)
        if not ok:
            raise ValueError(
                f"the angle of {names[k]} is not a constant, a multiple of a weight, or a product of affine functions "
                "of the inputs; only these can be imported (bind other values first)"
            )
