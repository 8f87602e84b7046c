"""Hardware-shaped execution: gate angles, parameter-shift rules, transpile cache, cost guard, job journal.

The backends `AerBackend`, `FakeBackend` and `IBMBackend` (in `qnn.backends`) are built from these parts.
"""

from qnn.hardware.angles import angle_circuit, gate_angles, slots
from qnn.hardware.cost import CostEstimate, CostLimitError, estimate_cost
from qnn.hardware.executors import AerExecutor, FakeExecutor, IBMExecutor, RuntimeApi, fake_device, fake_devices
from qnn.hardware.function import run_on_hardware
from qnn.hardware.journal import JobJournal, JobRecord
from qnn.hardware.options import RuntimeOptions
from qnn.hardware.recovery import fetch_result, job_status
from qnn.hardware.runner import HardwareJobError, HardwareRunner
from qnn.hardware.shift_rules import SHIFT_RULES, SPSA, ParameterShift
from qnn.hardware.transpile import TranspileCache

__all__ = [
    "SHIFT_RULES",
    "SPSA",
    "AerExecutor",
    "CostEstimate",
    "CostLimitError",
    "FakeExecutor",
    "HardwareJobError",
    "HardwareRunner",
    "IBMExecutor",
    "JobJournal",
    "JobRecord",
    "ParameterShift",
    "RuntimeApi",
    "RuntimeOptions",
    "TranspileCache",
    "angle_circuit",
    "estimate_cost",
    "fetch_result",
    "job_status",
    "fake_device",
    "fake_devices",
    "gate_angles",
    "run_on_hardware",
    "slots",
]
