"""PennyLane's own device test suite (`pennylane/devices/tests`) passes on qnn.simulator, exact and with shots."""

import re
import subprocess
import sys
from pathlib import Path

import pennylane as qml
import pytest

SUITE = Path(qml.__file__).parent / "devices" / "tests"


@pytest.mark.slow
@pytest.mark.parametrize("shots", [None, 10_000])
def test_pennylane_device_suite_passes(shots):
    # A separate pytest process: the suite brings its own conftest, pytest.ini and command-line options.
    command = [sys.executable, "-m", "pytest", str(SUITE), "--device=qnn.simulator", "-q", "-p", "no:cacheprovider"]
    # The device backpropagates through torch and autograd, not JAX (installed here only as a `qnn perf`
    # peer): JAX's backprop tests are left out; JAX with parameter shift and finite differences still runs.
    command += ["-k", "not (test_gradients_jax and backprop)"]
    if shots is not None:
        command.append(f"--shots={shots}")
    run = subprocess.run(command, capture_output=True, text=True, timeout=600)
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr[-2000:]
    assert run.returncode == 0, f"PennyLane's device suite failed: {summary}\n{run.stdout[-5000:]}"
    passed = re.search(r"(\d+) passed", summary)
    assert passed and int(passed.group(1)) > 300 and not re.search(r"\d+ (failed|error)", summary), summary
