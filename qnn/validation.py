"""Checks of a user's arguments, and the error they raise: one that names the argument, what was given and
what was expected.

`InvalidArgument` is a `ValueError` (and `InvalidArgumentType` also a `TypeError`), so callers that catch the
built-in types keep working, and the CLI turns either into one line and exit code 2.

Example:
    >>> check_int("max_dimension", 4, minimum=1)
    4
    >>> check_int("max_dimension", -1, minimum=1)
    Traceback (most recent call last):
    ...
    qnn.validation.InvalidArgument: max_dimension must be an integer >= 1, got -1
"""

from __future__ import annotations

import math

import numpy as np


class InvalidArgument(ValueError):
    """An argument given by the user has a value the function cannot use."""


class InvalidArgumentType(InvalidArgument, TypeError):
    """An argument given by the user has the wrong type."""


def is_int(value) -> bool:
    """A Python or NumPy integer, not a bool (`True` is an int to Python, never a count to a user)."""
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def check_int(name: str, value, minimum: int | None = None) -> int:
    """`value` as an int, refused unless it is an integer >= `minimum`."""
    expected = "an integer" + ("" if minimum is None else f" >= {minimum}")
    if not is_int(value):
        raise InvalidArgumentType(f"{name} must be {expected}, got {value!r} ({type(value).__name__})")
    if minimum is not None and value < minimum:
        raise InvalidArgument(f"{name} must be {expected}, got {value!r}")
    return int(value)


def check_bool(name: str, value) -> bool:
    """Refuse anything but True or False (a string "no" is truthy: it would silently mean yes)."""
    if not isinstance(value, bool):
        raise InvalidArgumentType(f"{name} must be true or false, got {value!r} ({type(value).__name__})")
    return value


def check_real(name: str, value) -> float:
    """`value` as a float, refused unless it is a finite real number."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise InvalidArgumentType(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    if not math.isfinite(value):
        raise InvalidArgument(f"{name} must be a finite real number, got {value!r}")
    return float(value)
