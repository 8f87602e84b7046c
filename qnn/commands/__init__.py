"""Sub-commands of the `qnn` CLI, one module each; `qnn.cli.COMMANDS` lists them."""

import argparse
import re


def positive_int(text: str) -> int:
    """An argparse type: an integer >= 1, so that `--jobs 0` is refused instead of read as "default"."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def cpu_or_cuda(text: str) -> str:
    """An argparse type: "cpu", "cuda" or "cuda:<index>", refused at once rather than after every row fails."""
    if not re.fullmatch(r"cpu|cuda(:\d+)?", text):
        raise argparse.ArgumentTypeError(f"expected cpu, cuda or cuda:<index>, got {text!r}")
    return text


def non_negative_float(text: str) -> float:
    """An argparse type: a finite number >= 0, for quantities that may be zero (a grid's carbon intensity)."""
    return _finite_float(text, allow_zero=True, expected="a number >= 0")


def positive_float(text: str) -> float:
    """An argparse type: a finite number > 0, for durations such as `qnn perf --timeout`."""
    return _finite_float(text, allow_zero=False, expected="a positive number")


def _finite_float(text: str, allow_zero: bool, expected: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
    in_range = value >= 0 if allow_zero else value > 0  # False for NaN
    if not in_range or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected {expected}, got {value}")
    return value
