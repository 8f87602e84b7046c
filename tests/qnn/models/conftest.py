import pytest
import torch


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """Run the model tests on one intra-op thread, then restore the setting.

    The models simulate a few qubits at a time: tensors far too small to gain from threads, while on a
    shared two-core machine OpenMP threads waiting on each other made fits over ten times slower.
    """
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
