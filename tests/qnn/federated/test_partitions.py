import numpy as np
import pytest

from qnn.federated.partitions import IID, Dirichlet, Shards, parse_partition

LABELS = np.repeat([0, 1, 2], [40, 30, 30])


def _check_disjoint_cover(parts, n):
    joined = np.concatenate(parts)
    assert len(joined) == n and len(np.unique(joined)) == n


@pytest.mark.parametrize("partition", [IID(), Dirichlet(alpha=0.5), Shards(shards_per_client=2)])
def test_every_sample_goes_to_exactly_one_client_and_the_seed_fixes_the_split(partition):
    parts = partition(LABELS, 4, np.random.default_rng(3))
    assert len(parts) == 4
    _check_disjoint_cover(parts, len(LABELS))
    again = partition(LABELS, 4, np.random.default_rng(3))
    assert all(np.array_equal(a, b) for a, b in zip(parts, again, strict=True))
    other = partition(LABELS, 4, np.random.default_rng(4))
    assert any(not np.array_equal(a, b) for a, b in zip(parts, other, strict=True))


def test_iid_clients_differ_in_size_by_at_most_one():
    sizes = [len(p) for p in IID()(LABELS, 7, np.random.default_rng(0))]
    assert max(sizes) - min(sizes) <= 1


def _majority_share(parts):
    return np.mean([np.bincount(LABELS[p]).max() / len(p) for p in parts])


def test_a_small_dirichlet_alpha_skews_the_labels_and_a_large_one_does_not():
    rng = np.random.default_rng(0)
    skewed = _majority_share(Dirichlet(alpha=0.05)(LABELS, 4, rng))
    near_iid = _majority_share(Dirichlet(alpha=1000.0)(LABELS, 4, rng))
    assert skewed > 0.8
    assert near_iid == pytest.approx(0.4, abs=0.06)  # the largest class holds 40% of the pooled data


def test_shards_give_each_client_at_most_k_labels_when_shards_do_not_straddle_classes():
    labels = np.repeat([0, 1, 2, 3], 25)
    parts = Shards(shards_per_client=2)(labels, 4, np.random.default_rng(1))  # 8 shards of 12-13 samples
    assert all(len(np.unique(labels[p])) <= 3 for p in parts)
    one_shard = Shards(shards_per_client=1)(np.repeat([0, 1], 50), 2, np.random.default_rng(1))
    assert sorted(len(np.unique(np.repeat([0, 1], 50)[p])) for p in one_shard) == [1, 1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("iid", IID()), ("dirichlet:0.5", Dirichlet(alpha=0.5)), ("shards:3", Shards(shards_per_client=3))],
)
def test_parse_partition_reads_the_command_line_spelling(text, expected):
    assert parse_partition(text) == expected


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("random", "partition must be 'iid', 'dirichlet:ALPHA' or 'shards:K', got 'random'"),
        ("dirichlet", "partition must be"),
        ("dirichlet:-1", "alpha must be a positive number, got -1.0"),
        ("dirichlet:nan", "alpha must be"),
        ("shards:1.5", "partition 'shards:1.5'"),
        ("shards:0", "shards_per_client must be a positive integer, got 0"),
    ],
)
def test_bad_partitions_are_refused_with_what_was_given(text, match):
    with pytest.raises(ValueError, match=match):
        parse_partition(text)


def test_more_clients_than_samples_is_refused():
    with pytest.raises(ValueError, match=r"n_clients=5 needs at least 5 training samples \(1 per client\), got 3"):
        IID()(np.array([0, 1, 0]), 5, np.random.default_rng(0))
    with pytest.raises(ValueError, match="n_clients must be a positive integer, got 0"):
        IID()(LABELS, 0, np.random.default_rng(0))
