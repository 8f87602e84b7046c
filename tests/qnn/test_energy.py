import logging
import math
import sys
import types
from dataclasses import asdict

import pytest
import torch

from qnn import energy
from qnn.energy import DEFAULT_GRID_GCO2_PER_KWH, EnergyMeasurement, RaplMeter, measure_energy

MAX_RANGE = 262_143_328_850  # a package's max_energy_range_uj on a typical Intel server


def make_zone(root, name, label, energy_uj, max_range=MAX_RANGE):
    zone = root / name
    zone.mkdir(parents=True)
    (zone / "name").write_text(f"{label}\n")
    (zone / "energy_uj").write_text(f"{energy_uj}\n")
    (zone / "max_energy_range_uj").write_text(f"{max_range}\n")
    return zone / "energy_uj"


@pytest.fixture
def no_sensors(monkeypatch, tmp_path):
    """No RAPL tree, no pynvml, no CodeCarbon: only the CPU-time estimate is left."""
    monkeypatch.setattr(energy, "POWERCAP_ROOT", tmp_path / "no-powercap")
    monkeypatch.setattr(energy.CodeCarbonMeter, "open", classmethod(lambda cls: None))
    monkeypatch.setitem(sys.modules, "pynvml", None)  # `import pynvml` raises ImportError


@pytest.fixture
def cpu_clock(monkeypatch):
    """Replaces the CPU-time clock by a list of readings: start, then end."""
    readings = [10.0, 13.5]
    monkeypatch.setattr(energy, "_cpu_seconds", lambda: readings.pop(0))
    return readings


def test_fallback_estimate_is_cpu_time_times_stated_power(no_sensors, cpu_clock):
    with measure_energy(power_watts=8.0, grid_gco2_per_kwh=300.0) as m:
        pass
    assert m.method == "estimate: cpu time × 8.0 W per core"
    assert m.cpu_seconds == pytest.approx(3.5)
    assert m.joules == pytest.approx(3.5 * 8.0)
    assert m.co2_grams == pytest.approx(28.0 / 3.6e6 * 300.0)
    assert m.grid_gco2_per_kwh == 300.0
    assert m.seconds >= 0


def test_fallback_without_a_stated_power_uses_the_default_figure(no_sensors, cpu_clock):
    with measure_energy() as m:
        pass
    assert m.method == f"estimate: cpu time × {energy.DEFAULT_WATTS_PER_CORE} W per core"
    assert m.joules == pytest.approx(3.5 * energy.DEFAULT_WATTS_PER_CORE)
    assert m.grid_gco2_per_kwh == DEFAULT_GRID_GCO2_PER_KWH


def test_real_cpu_time_is_counted(no_sensors):
    with measure_energy(power_watts=5.0) as m:
        torch.randn(300, 300) @ torch.randn(300, 300)  # some CPU work
        sum(range(200_000))
    assert m.cpu_seconds >= 0 and m.joules == pytest.approx(m.cpu_seconds * 5.0)


def test_rapl_sums_packages_and_corrects_wrap_around(monkeypatch, tmp_path):
    root = tmp_path / "powercap"
    package0 = make_zone(root, "intel-rapl:0", "package-0", MAX_RANGE - 2_000_000)
    package1 = make_zone(root, "intel-rapl:1", "package-1", 5_000_000)
    core = make_zone(root, "intel-rapl:0:0", "core", 1_000)  # part of package 0: not counted again
    psys = make_zone(root, "intel-rapl:2", "psys", 1_000)  # spans the packages: not counted again
    monkeypatch.setattr(energy, "POWERCAP_ROOT", root)
    with measure_energy(power_watts=10.0) as m:
        package0.write_text("3000000\n")  # wrapped: 2 J up to the top of the range, then 3 J
        package1.write_text("9000000\n")  # 4 J
        core.write_text("999999999\n")
        psys.write_text("999999999\n")
    assert m.method == "rapl"
    assert m.joules == pytest.approx(2.0 + 3.0 + 4.0)


def test_rapl_counts_several_wraps_between_readings(tmp_path):
    counter = make_zone(tmp_path, "intel-rapl:0", "package-0", 900, max_range=1_000)
    meter = RaplMeter.open(tmp_path)
    for reading in (100, 950, 20, 40):  # wraps twice: +200, +850, +70, +20 µJ
        counter.write_text(str(reading))
        meter.update()
    assert meter.stop() == pytest.approx((200 + 850 + 70 + 20) / 1e6)


@pytest.mark.parametrize("broken", ["not a number", None])
def test_unreadable_rapl_falls_back_without_raising(monkeypatch, tmp_path, broken, cpu_clock):
    root = tmp_path / "powercap"
    counter = make_zone(root, "intel-rapl:0", "package-0", 100)
    if broken is None:
        counter.unlink()
        counter.mkdir()  # reading a directory fails with OSError, as a root-only file does for a user
    else:
        counter.write_text(broken)
    monkeypatch.setattr(energy, "POWERCAP_ROOT", root)
    with measure_energy(power_watts=2.0) as m:
        pass
    assert m.method.startswith("estimate") and m.joules == pytest.approx(7.0)


def test_gpu_without_nvml_is_reported_not_raised(no_sensors, cpu_clock):
    with measure_energy(device="cuda:0", power_watts=1.0) as m:
        pass
    assert m.method == "estimate: cpu time × 1.0 W per core (GPU not measured: NVML unreadable)"
    assert m.joules == pytest.approx(3.5)


def fake_pynvml(readings_mj):
    calls = []

    def energy_mj(handle):
        assert handle == "gpu-2"
        return readings_mj.pop(0)

    return types.SimpleNamespace(
        nvmlInit=lambda: calls.append("init"),
        nvmlShutdown=lambda: calls.append("shutdown"),
        nvmlDeviceGetHandleByIndex=lambda i: f"gpu-{i}",
        nvmlDeviceGetTotalEnergyConsumption=energy_mj,
        calls=calls,
    )


def test_nvml_energy_of_the_named_gpu_is_added(no_sensors, cpu_clock, monkeypatch):
    pynvml = fake_pynvml([1_000_000, 1_250_000])  # 250 J
    monkeypatch.setitem(sys.modules, "pynvml", pynvml)
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    with measure_energy(device=torch.device("cuda", 2), power_watts=2.0) as m:
        pass
    assert m.method == "estimate: cpu time × 2.0 W per core+nvml"
    assert m.joules == pytest.approx(250.0 + 7.0)
    assert pynvml.calls == ["init", "shutdown"]


def test_cuda_visible_devices_maps_to_nvml_index(no_sensors, cpu_clock, monkeypatch):
    monkeypatch.setitem(sys.modules, "pynvml", fake_pynvml([0, 1_000]))
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3,2")
    with measure_energy(device="cuda:1", power_watts=2.0) as m:  # the second visible GPU is NVML's GPU 2
        pass
    assert m.joules == pytest.approx(1.0 + 7.0)


def test_codecarbon_offline_is_used_without_rapl_quietly_and_writes_nothing(monkeypatch, tmp_path, capfd):
    monkeypatch.setattr(energy, "POWERCAP_ROOT", tmp_path / "no-powercap")
    monkeypatch.chdir(tmp_path)
    pytest.importorskip("codecarbon")  # its import sets its logger's level
    logger = logging.getLogger("codecarbon")
    level = logger.level
    with measure_energy() as m:
        sum(range(300_000))
    assert m.method == "codecarbon"
    assert logger.level == level  # CodeCarbon's logger is quiet only while it measures
    assert "codecarbon" not in capfd.readouterr().err
    assert math.isfinite(m.joules) and m.joules > 0
    assert m.co2_grams == pytest.approx(m.joules / 3.6e6 * DEFAULT_GRID_GCO2_PER_KWH)
    assert [p.name for p in tmp_path.iterdir()] == []


def test_measurement_is_filled_when_the_block_raises(no_sensors):
    with pytest.raises(KeyError), measure_energy(power_watts=1.0) as m:
        raise KeyError("inside")
    assert m.method.startswith("estimate") and m.joules >= 0


def test_measurement_is_a_plain_record(no_sensors, cpu_clock):
    with measure_energy(power_watts=4.0) as m:
        pass
    record = asdict(m)
    assert set(record) == {"joules", "method", "seconds", "cpu_seconds", "co2_grams", "grid_gco2_per_kwh"}
    assert EnergyMeasurement(**record) == m


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"power_watts": 0}, "power_watts must be a positive"),
        ({"power_watts": -3.0}, "power_watts must be a positive"),
        ({"power_watts": math.nan}, "power_watts must be a positive"),
        ({"power_watts": "10"}, "power_watts must be a positive"),
        ({"power_watts": True}, "power_watts must be a positive"),
        ({"grid_gco2_per_kwh": -1.0}, "grid_gco2_per_kwh must be a finite number >= 0"),
        ({"grid_gco2_per_kwh": math.inf}, "grid_gco2_per_kwh must be a finite number >= 0"),
        ({"device": "tpu"}, "device must be"),
        ({"device": "meta"}, "device must be a CPU or CUDA device"),
        ({"device": -1}, "device must be a GPU index"),
        ({"device": 1.5}, "device must be"),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        measure_energy(**kwargs)


def test_zero_grid_intensity_is_allowed(no_sensors, cpu_clock):
    with measure_energy(power_watts=1.0, grid_gco2_per_kwh=0) as m:
        pass
    assert m.co2_grams == 0.0 and m.joules > 0
