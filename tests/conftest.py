import pytest
import torch
from hypothesis import settings

# Property tests draw the same examples on every run, so a run fails only where the code changed; fresh
# examples, to look for new failures: `pytest --hypothesis-profile explore`.
settings.register_profile("deterministic", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile("deterministic")


def pytest_collection_modifyitems(config, items):
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs an NVIDIA GPU (torch.cuda.is_available() is False)")
    for item in items:
        if "cuda" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def generator() -> torch.Generator:
    """A seeded torch generator, so that every test draws the same numbers on every run."""
    return torch.Generator().manual_seed(1234)


@pytest.fixture
def rng():
    import numpy as np

    return np.random.default_rng(1234)
