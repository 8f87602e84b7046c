"""The energy and CO₂ of a block of code: read from RAPL and NVML counters where readable, otherwise estimated.

`measure_energy()` is a context manager that yields an `EnergyMeasurement` and fills it on exit. The CPU's
energy comes from the first of these that works:

1. RAPL counters of the Linux powercap interface (``/sys/class/powercap/intel-rapl:*``, every CPU package);
   usually readable by root only. They count the whole package, other processes included.
2. If `power_watts` is given: the estimate ``cpu time × power_watts``, with the figure the caller states.
3. CodeCarbon's offline tracker in process mode: its CPU power model (the CPU's rated power from its
   database, scaled by this process's CPU load) plus its RAM power model.
4. The estimate ``cpu time × DEFAULT_WATTS_PER_CORE``.

With a CUDA `device`, the GPU's own counter (NVML's total energy, whole GPU) is added. The `method` field
names the sources, e.g. ``"rapl+nvml"`` or ``"estimate: cpu time × 10.0 W per core"``. A sensor that
cannot be read never raises: the measurement falls back to the next source.
"""

from __future__ import annotations

import logging
import math
import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import torch

# World-average carbon intensity of electricity in gCO₂e/kWh: IEA, Global Energy & CO2 Status Report 2019
# (the figure CodeCarbon falls back to). Pass `grid_gco2_per_kwh` for the grid you run on.
DEFAULT_GRID_GCO2_PER_KWH = 475.0
# Power drawn per busy core, in watts, for the CPU-time estimate. Server CPUs are rated at about 4-12 W per
# core (e.g. Intel Xeon Gold 6248: 150 W over 20 cores = 7.5 W); the figure errs high. This is the
# "rated power per core" method of Green Algorithms (Lannelongue et al., Advanced Science 2021).
DEFAULT_WATTS_PER_CORE = 10.0
POWERCAP_ROOT = Path("/sys/class/powercap")
# Counters are read this often while a block runs, so that a RAPL counter wrapping more than once is caught.
POLL_SECONDS = 30.0
JOULES_PER_KWH = 3.6e6


@dataclass
class EnergyMeasurement:
    """What one block of code cost; filled when the `measure_energy` block exits (NaN until then).

    `dataclasses.asdict(m)` gives a plain dict for storage.
    """

    joules: float = math.nan  # energy of the CPU (and the GPU, if one was named)
    method: str = ""  # the sources used, e.g. "rapl", "rapl+nvml", "codecarbon", "estimate: ..."
    seconds: float = math.nan  # wall-clock time
    cpu_seconds: float = math.nan  # CPU time of this process and its finished child processes
    co2_grams: float = math.nan  # CO₂-equivalent: joules at grid_gco2_per_kwh
    grid_gco2_per_kwh: float = DEFAULT_GRID_GCO2_PER_KWH


def measure_energy(device=None, power_watts: float | None = None, grid_gco2_per_kwh: float | None = None):
    """Measure the energy of the ``with`` block; yields an `EnergyMeasurement` that is filled on exit.

    Args:
        device: None or ``"cpu"`` for the CPU alone; a CUDA device (``"cuda"``, ``"cuda:1"``, a
            ``torch.device`` or a GPU index) to add that GPU's energy from NVML.
        power_watts: watts per busy CPU core; if given, the CPU's energy is ``cpu time × power_watts``
            whenever RAPL is unreadable (instead of CodeCarbon's model).
        grid_gco2_per_kwh: carbon intensity of the electricity, gCO₂e per kWh (default
            `DEFAULT_GRID_GCO2_PER_KWH`, the world average).

    Example:
        >>> with measure_energy(power_watts=10.0) as m:
        ...     _ = sum(range(10_000))
        >>> m.joules >= 0 and m.method in ("rapl", "estimate: cpu time × 10.0 W per core")
        True
    """
    gpu = _gpu_index(device)
    if power_watts is not None:
        power_watts = _number("power_watts", power_watts)
    grid = DEFAULT_GRID_GCO2_PER_KWH
    if grid_gco2_per_kwh is not None:
        grid = _number("grid_gco2_per_kwh", grid_gco2_per_kwh, allow_zero=True)
    return _measure(gpu, power_watts, grid)


@contextmanager
def _measure(gpu: int | None, power_watts: float | None, grid: float) -> Iterator[EnergyMeasurement]:
    result = EnergyMeasurement(grid_gco2_per_kwh=grid)
    meters = [m for m in (RaplMeter.open(POWERCAP_ROOT), NvmlMeter.open(gpu)) if m is not None]
    has_rapl = any(isinstance(m, RaplMeter) for m in meters)
    tracker = CodeCarbonMeter.open() if power_watts is None and not has_rapl else None
    poller = _Poller([m for m in meters if isinstance(m, RaplMeter)])
    wall, cpu = time.perf_counter(), _cpu_seconds()
    try:
        yield result
    finally:
        poller.stop()
        result.seconds = time.perf_counter() - wall
        result.cpu_seconds = _cpu_seconds() - cpu
        parts = {m.name: m.stop() for m in meters}
        parts = {name: joules for name, joules in parts.items() if joules is not None}
        if "rapl" not in parts:
            cpu_joules = tracker.stop() if tracker is not None else None
            if cpu_joules is not None:
                parts = {"codecarbon": cpu_joules, **parts}
            else:
                watts = DEFAULT_WATTS_PER_CORE if power_watts is None else power_watts
                parts = {f"estimate: cpu time × {watts} W per core": result.cpu_seconds * watts, **parts}
        note = " (GPU not measured: NVML unreadable)" if gpu is not None and "nvml" not in parts else ""
        result.joules = float(sum(parts.values()))
        result.method = "+".join(parts) + note
        result.co2_grams = result.joules / JOULES_PER_KWH * grid


class RaplMeter:
    """Sums the energy counters of every CPU package under a powercap root, correcting for wrap-around."""

    name = "rapl"

    def __init__(self, zones: list[tuple[Path, int]]):
        self.zones = zones  # (energy_uj file, max_energy_range_uj) per package
        self.last = [_read_int(path) for path, _ in zones]
        self.microjoules = 0
        self.lock = threading.Lock()

    @classmethod
    def open(cls, root: Path) -> RaplMeter | None:
        """A meter over the package zones under `root`, or None if there are none or one is unreadable."""
        zones = []
        for zone in sorted(Path(root).glob("intel-rapl:*")):
            # Sub-zones (intel-rapl:0:0, cores or dram) are parts of their package; psys spans the packages.
            if not re.fullmatch(r"intel-rapl:\d+", zone.name) or _read_text(zone / "name") == "psys":
                continue
            zones.append((zone / "energy_uj", _read_int(zone / "max_energy_range_uj")))
        if not zones or any(m is None or m <= 0 for _, m in zones):
            return None
        meter = cls(zones)
        return meter if None not in meter.last else None

    def update(self) -> None:
        """Read every counter and add what it counted since the last reading."""
        with self.lock:
            for i, (path, max_range) in enumerate(self.zones):
                now = _read_int(path)
                if now is None:
                    continue
                # The counter restarts from 0 after max_range; one wrap per reading is assumed.
                self.microjoules += now - self.last[i] if now >= self.last[i] else now + max_range - self.last[i]
                self.last[i] = now

    def stop(self) -> float | None:
        self.update()
        return self.microjoules / 1e6


class NvmlMeter:
    """The total-energy counter of one NVIDIA GPU (millijoules since the driver loaded), through pynvml."""

    name = "nvml"

    def __init__(self, pynvml, handle):
        self.pynvml = pynvml
        self.handle = handle
        self.start = pynvml.nvmlDeviceGetTotalEnergyConsumption(handle)

    @classmethod
    def open(cls, index: int | None) -> NvmlMeter | None:
        if index is None:
            return None
        try:
            import pynvml

            pynvml.nvmlInit()
            return cls(pynvml, pynvml.nvmlDeviceGetHandleByIndex(_nvml_index(index)))
        except Exception:  # no library, no driver, no such GPU, or a GPU without an energy counter
            return None

    def update(self) -> None:
        pass  # a 64-bit counter: it does not wrap

    def stop(self) -> float | None:
        try:
            joules = (self.pynvml.nvmlDeviceGetTotalEnergyConsumption(self.handle) - self.start) / 1e3
            self.pynvml.nvmlShutdown()
            return joules
        except Exception:
            return None


class CodeCarbonMeter:
    """CodeCarbon's offline tracker for this process: CPU and RAM energy, with no network and no files.

    CodeCarbon's logger is held at ERROR from start to stop: its tracker logs at INFO before it applies its own
    log level, and its measuring thread logs every interval.
    """

    def __init__(self, tracker, logger: logging.Logger, level: int):
        self.tracker = tracker
        self.logger = logger
        self.level = level  # the logger's level before the measurement, restored by stop

    @classmethod
    def open(cls) -> CodeCarbonMeter | None:
        try:
            from codecarbon import OfflineEmissionsTracker  # sets its logger's level on first import
        except Exception:
            return None
        logger = logging.getLogger("codecarbon")
        level = logger.level
        logger.setLevel(logging.ERROR)
        try:
            tracker = OfflineEmissionsTracker(
                country_iso_code="USA",  # required offline; CO₂ is computed here from our own grid figure
                output_methods=[],  # no CSV file, no API, no logger output
                log_level="error",
                tracking_mode="process",
                allow_multiple_runs=True,  # nested and parallel measurements; no lock file
            )
            tracker.start()
            return cls(tracker, logger, level)
        except Exception:
            logger.setLevel(level)
            return None

    def stop(self) -> float | None:
        """CPU plus RAM joules (GPUs are NVML's part), or None if the tracker failed."""
        try:
            self.tracker.stop()
            data = self.tracker.final_emissions_data
            return float(data.cpu_energy + data.ram_energy) * JOULES_PER_KWH
        except Exception:
            return None
        finally:
            self.logger.setLevel(self.level)


class _Poller:
    """Updates the meters every POLL_SECONDS on a daemon thread until stopped."""

    def __init__(self, meters):
        self.meters = meters
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True) if meters else None
        if self.thread is not None:
            self.thread.start()

    def _run(self) -> None:
        while not self.done.wait(POLL_SECONDS):
            for meter in self.meters:
                meter.update()

    def stop(self) -> None:
        self.done.set()
        if self.thread is not None:
            self.thread.join()


def _cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def _read_int(path: Path) -> int | None:
    text = _read_text(path)
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _gpu_index(device) -> int | None:
    """None for the CPU, the CUDA index for a CUDA device; raises for anything else."""
    if device is None:
        return None
    if isinstance(device, int) and not isinstance(device, bool):
        if device < 0:
            raise ValueError(f"device must be a GPU index >= 0, got {device}")
        return device
    try:
        device = torch.device(device)
    except (RuntimeError, TypeError):
        message = f"device must be None, 'cpu', 'cuda[:index]', a torch.device or an index, got {device!r}"
        raise ValueError(message) from None
    if device.type == "cpu":
        return None
    if device.type != "cuda":
        raise ValueError(f"device must be a CPU or CUDA device, got {str(device)!r}")
    return 0 if device.index is None else device.index


def _nvml_index(index: int) -> int:
    # CUDA numbers the visible GPUs; NVML numbers all of them.
    visible = os.environ.get("CUDA_VISIBLE_DEVICES", "").split(",")
    return int(visible[index]) if index < len(visible) and visible[index].strip().isdigit() else index


def _number(name: str, value, allow_zero: bool = False) -> float:
    ok = not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)
    if not ok or value < 0 or (value == 0 and not allow_zero):
        expected = "a finite number >= 0" if allow_zero else "a positive finite number"
        raise ValueError(f"{name} must be {expected}, got {value!r}")
    return float(value)
