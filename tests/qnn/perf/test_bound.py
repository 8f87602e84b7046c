import pytest

from qnn.cli import main
from qnn.perf.bound import WIDTHS, iqp_step_bound, iqp_step_passes, time_iqp_step


def _totals(passes):
    return (
        sum(p.count for p in passes),
        sum(p.count * p.states_moved for p in passes),
        sum(p.count * p.flops for p in passes),
    )


def test_the_passes_of_a_one_layer_step_counted_by_hand():
    # 4 wires in one 4-wire block (128 flops per amplitude): the state written, one diagonal, the Rot block
    # and the CZ diagonal, the co-state, both undone on two states, one gradient read.
    assert _totals(iqp_step_passes(4, n_layers=1, repeats=1, width=4)) == (10, 19, 542)
    # One more repeat adds a diagonal and a Hadamard layer (one block).
    assert _totals(iqp_step_passes(4, n_layers=1, repeats=2, width=4)) == (12, 23, 542 + 6 + 128)


def test_the_bound_is_the_best_fusion_width_and_grows_with_the_batch():
    bound = iqp_step_bound(12, 3, 2, 32, gb_per_s=10.0, gflop_per_s=20.0)
    for k in WIDTHS:
        passes = iqp_step_passes(12, 3, 2, k)
        _, moved, flops = _totals(passes)
        seconds = max(moved * 32 * 2**12 * 8 / 10e9, flops * 32 * 2**12 / 20e9)
        assert bound.seconds <= seconds * (1 + 1e-12)
    assert iqp_step_bound(12, 3, 2, 64, 10.0, 20.0).seconds == pytest.approx(2 * bound.seconds)


def test_a_step_longer_than_the_limit_is_the_last():
    assert len(time_iqp_step(3, 1, 1, 4, steps=3, longest=0.0)) == 1
    assert len(time_iqp_step(3, 1, 1, 4, steps=3)) == 3


def test_the_command_prints_the_bound_and_the_ratio(capsys):
    assert main(["perf", "--iqp-bound", "4", "--repeats", "1", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "state-vector bound" in out and "measured / bound" in out
