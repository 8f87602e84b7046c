"""SimulatorSettings: checked on construction, and handed by the backend to the simulator."""

import pytest
import torch

import circuits
from qnn.backends import SimulatorBackend
from qnn.observables import parse_observables
from qnn.simulator import SimulatorSettings, engine


@pytest.mark.parametrize(
    ("field", "value"), [("slice_bytes", -1), ("step_states", "3"), ("chunks", 0), ("gather_above", True)]
)
def test_bad_settings_are_refused_naming_the_field(field, value):
    with pytest.raises(ValueError, match=f"SimulatorSettings.{field} must be"):
        SimulatorSettings(**{field: value})


def test_settings_are_one_frozen_value_the_backend_holds():
    tuning = SimulatorSettings(slice_bytes=2**10)
    assert SimulatorBackend(settings=tuning).settings is tuning
    assert SimulatorBackend().settings == SimulatorSettings()
    with pytest.raises(AttributeError):
        tuning.slice_bytes = 1
    with pytest.raises(TypeError, match="settings must be a qnn.simulator.SimulatorSettings"):
        SimulatorBackend(settings={"slice_bytes": 1})


def test_the_slice_size_changes_the_slices_not_the_values():
    circuit = circuits.angle_encoding(3) + circuits.strongly_entangling(3, 2)
    x, w = torch.rand(5, 3, dtype=torch.float64), torch.rand(circuit.n_weights, dtype=torch.float64)
    observables = parse_observables(None, 3)
    one_sample = SimulatorSettings(slice_bytes=2**3 * 16)
    assert len(engine.batch_slices(3, 5, torch.complex128, torch.device("cpu"), one_sample)) == 5
    with torch.no_grad():
        sliced = SimulatorBackend(settings=one_sample).run(circuit, observables, x, w)
        whole = SimulatorBackend().run(circuit, observables, x, w)
    torch.testing.assert_close(sliced, whole, atol=1e-12, rtol=0)
