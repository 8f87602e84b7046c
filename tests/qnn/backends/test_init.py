import pytest

from qnn.backends import (
    AerBackend,
    FakeBackend,
    IBMBackend,
    PennyLaneBackend,
    SimulatorBackend,
    available_backends,
    get_backend,
)


@pytest.mark.parametrize(
    ("name", "kind", "shown"),
    [
        ("simulator", SimulatorBackend, "simulator"),
        ("pennylane:default.qubit", PennyLaneBackend, "pennylane:default.qubit"),
        ("aer", AerBackend, "aer"),
        ("fake:manila", FakeBackend, "fake:manila"),
        ("ibm:ibm_brisbane", IBMBackend, "ibm:ibm_brisbane"),
        ("ibm:least_busy", IBMBackend, "ibm:least_busy"),
    ],
)
def test_names_build_backends(name, kind, shown):
    backend = get_backend(name)
    assert isinstance(backend, kind) and backend.name == shown


def test_objects_pass_through():
    backend = AerBackend(shots=100)
    assert get_backend(backend) is backend


@pytest.mark.parametrize("name", ["qiskit", "fake:", "pennylane", "ibm:"])
def test_unknown_names_list_the_available_ones(name):
    with pytest.raises(
        ValueError, match=r"unknown backend .*available: simulator, pennylane:default.qubit.*fake:manila"
    ):
        get_backend(name)


def test_unknown_fake_device_lists_the_fake_devices():
    with pytest.raises(ValueError, match=r"unknown fake backend 'atlantis'; available: .*manila.*sherbrooke"):
        get_backend("fake:atlantis")


def test_wrong_type_is_named():
    with pytest.raises(TypeError, match="got int"):
        get_backend(3)


def test_available_names_all_build():
    for name in available_backends():
        if "<" not in name:
            assert get_backend(name).name.split(":")[0] == name.split(":")[0]
