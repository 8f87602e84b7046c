"""Flat-state kernels against plain einsum on the (batch, 2, …, 2) view."""

import pytest
import torch

from qnn.simulator import kernels


def _random_state(batch: int, n: int, seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(batch, 2**n, dtype=torch.complex128, generator=generator)


def _reference_overlap(bra, ket, lo, width, n, batched):
    """Σ bra ket over every wire outside lo .. lo + width - 1, as one einsum (`bra` conjugated already)."""
    batch = bra.shape[0]
    d = 2**width
    left, right = 2**lo, 2 ** (n - lo - width)
    x, y = bra.view(batch, left, d, right), ket.view(batch, left, d, right)
    return torch.einsum("blar,blcr->bac" if batched else "blar,blcr->ac", x, y)


# Every (lo, width) on 7 wires: right = 1, few products in all (d · right ≤ 16, or 32 with right < d), right < d
# (shared blocks: transposed copies, whole or in halves), right ≥ d/4 and right < d/4 are contracted differently.
@pytest.mark.parametrize("whole_copies_bytes", [kernels.WHOLE_COPIES_BYTES, 0], ids=["whole", "halves"])
@pytest.mark.parametrize("batched", [False, True])
@pytest.mark.parametrize(("lo", "width"), [(lo, w) for w in (1, 2, 3, 4) for lo in range(0, 8 - w)])
def test_block_overlap_matches_einsum(lo, width, batched, whole_copies_bytes, monkeypatch):
    monkeypatch.setattr(kernels, "WHOLE_COPIES_BYTES", whole_copies_bytes)
    n = 7
    bra, ket = _random_state(3, n, 0), _random_state(3, n, 1)
    expected = _reference_overlap(bra, ket, lo, width, n, batched)
    ours = kernels.block_overlap(bra, ket, lo, width, batched)
    torch.testing.assert_close(ours, expected, rtol=1e-12, atol=1e-12)
    spare = torch.full_like(bra, float("nan"))  # its contents must not matter
    with_spare = kernels.block_overlap(bra, ket, lo, width, batched, spare=spare)
    torch.testing.assert_close(with_spare, expected, rtol=1e-12, atol=1e-12)


def test_permutation_gathers_the_same_index_for_every_sample():
    state = _random_state(4, 5, 2)
    index = torch.randperm(32, generator=torch.Generator().manual_seed(3))
    expected = torch.stack([row[index] for row in state])
    torch.testing.assert_close(kernels.apply_permutation(state, index), expected, rtol=0, atol=0)
    out = torch.empty_like(state)
    assert kernels.apply_permutation(state, index, out=out) is out
    torch.testing.assert_close(out, expected, rtol=0, atol=0)


@pytest.mark.parametrize("split_above", [0, 2**40], ids=["halves", "first-wire"])
@pytest.mark.parametrize("n", [1, 2, 5, 6])
@pytest.mark.parametrize("per_sample", [False, True], ids=["shared", "per-sample"])
def test_product_state_is_the_kronecker_product_of_the_factors(n, per_sample, split_above):
    """Both ways of splitting the wires, odd and even counts, into `out` (filled with NaN) and not."""
    generator = torch.Generator().manual_seed(4)
    batch = 3
    factors = torch.randn(*((batch,) if per_sample else ()), n, 2, dtype=torch.complex128, generator=generator)
    each = factors.expand(batch, n, 2)
    expected = torch.stack([_kron_all(each[b]) for b in range(batch)])
    made = kernels.product_state(factors, batch, split_above_bytes=split_above)
    torch.testing.assert_close(made, expected, rtol=1e-12, atol=1e-12)
    out = torch.full((batch, 2**n), complex("nan"), dtype=torch.complex128)
    assert kernels.product_state(factors, batch, out=out, split_above_bytes=split_above) is out
    torch.testing.assert_close(out, expected, rtol=1e-12, atol=1e-12)


def _kron_all(vectors: torch.Tensor) -> torch.Tensor:
    """The Kronecker product of the rows of `vectors` (n, 2), the first row most significant."""
    state = vectors[0]
    for v in vectors[1:]:
        state = torch.kron(state, v)
    return state


# Every (lo, width) on 7 wires: in place, before a few wires (as U ⊗ I) and on the last wires differ.
@pytest.mark.parametrize("batched", [False, True])
@pytest.mark.parametrize(("lo", "width"), [(lo, w) for w in (1, 2, 3, 4) for lo in range(0, 8 - w)])
def test_apply_block_matches_einsum(lo, width, batched):
    n, d = 7, 2**width
    state = _random_state(3, n, 0)
    generator = torch.Generator().manual_seed(2)
    matrix = torch.randn(*((3,) if batched else ()), d, d, dtype=torch.complex128, generator=generator)
    left, right = 2**lo, 2 ** (n - lo - width)
    spec = "bac,blcr->blar" if batched else "ac,blcr->blar"
    expected = torch.einsum(spec, matrix, state.view(3, left, d, right)).reshape(3, -1)
    torch.testing.assert_close(kernels.apply_block(state, matrix, lo, width), expected, atol=1e-12, rtol=0)
    out = torch.empty_like(state)
    assert kernels.apply_block(state, matrix, lo, width, out=out) is out
    torch.testing.assert_close(out, expected, atol=1e-12, rtol=0)
