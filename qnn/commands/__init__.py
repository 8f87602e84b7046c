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
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {value}")
    return value


def positive_float(text: str) -> float:
    """An argparse type: a finite number > 0, for durations such as `qnn perf --timeout`."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {value}")
    return value
