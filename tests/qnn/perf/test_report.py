import json
from dataclasses import replace

from qnn.perf import Measurement, format_table, plot, write_json
from qnn.perf.report import ratios, smaller_batches

RESULTS = [
    Measurement("qnn", 8, "complex64", 5000.0, (0.05,), 256, 3 * 2**20, 5 * 2**19, 2**19),
    Measurement("default.qubit", 8, "complex64", 500.0, (0.5,), 256, 30 * 2**20),
    Measurement("default.qubit", 8, "complex128", 400.0, (0.6,), 256, 60 * 2**20),
    Measurement("torchquantum", 8, "complex64", None, note="not installed"),
]


def test_ratios_compare_qnn_with_peers_at_equal_qubits_and_precision():
    assert ratios(RESULTS) == {("default.qubit", 8, "complex64"): 10.0}


def test_table_lists_every_measurement_with_its_ratio_and_note():
    table = format_table(RESULTS)
    lines = table.splitlines()
    assert lines[0].split() == [
        "qubits",
        "dtype",
        "simulator",
        "samples/s",
        "peak",
        "MiB",
        "states",
        "qnn/peer",
        "note",
    ]
    row = next(line for line in lines if "default.qubit" in line and "complex64" in line)
    assert row.split() == ["8", "complex64", "default.qubit", "500.0", "30", "-", "10.0×"]
    ours = next(line for line in lines if "qnn " in line)
    assert ours.split() == ["8", "complex64", "qnn", "5,000.0", "3", "5.00", "-"]  # 2.5 MiB of 0.5 MiB states
    assert any(line.split()[-2:] == ["not", "installed"] for line in lines)


def test_json_and_plot_are_written(tmp_path):
    write_json(RESULTS, tmp_path / "perf.json", {"batch": 256})
    data = json.loads((tmp_path / "perf.json").read_text())
    assert data["settings"] == {"batch": 256}
    assert [m["qnn_over_peer"] for m in data["measurements"]] == [None, 10.0, None, None]
    assert [m["peak_states"] for m in data["measurements"]] == [5.0, None, None, None]
    plot(RESULTS, tmp_path / "perf.png", "test")
    assert (tmp_path / "perf.png").read_bytes()[:4] == b"\x89PNG"


def test_ratio_is_the_median_of_the_turns_and_the_note_gives_their_middle_half(tmp_path):
    """With pair ratios (qnn and the peer in the same turn) the headline is their median, not the ratio
    of the samples/s (5000 / 500 = 10)."""
    peer = replace(RESULTS[1], pair_ratios=(8.0, 20.0, 12.0, 9.0, 11.0))
    single = replace(RESULTS[2], pair_ratios=(7.0,))
    results = [RESULTS[0], peer, single]
    assert ratios(results) == {("default.qubit", 8, "complex64"): 11.0}
    row = next(line for line in format_table(results).splitlines() if "default.qubit" in line and "complex64" in line)
    assert row.split()[-6:] == ["11.0×", "5", "turns,", "middle", "half", "9.0–12.0×"]
    assert "turns" not in format_table([RESULTS[0], single])  # one pair, and no qnn at complex128
    write_json(results, tmp_path / "perf.json", {})
    rows = json.loads((tmp_path / "perf.json").read_text())["measurements"]
    assert [m["pair_ratios"] for m in rows] == [[], [8.0, 20.0, 12.0, 9.0, 11.0], [7.0]]
    assert [m["qnn_over_peer"] for m in rows] == [None, 11.0, None]


def test_simulators_that_ran_a_smaller_batch_are_named():
    slow = replace(RESULTS[1], batch=31, note="batch 31 of 256, 5 repeats (time limit)")
    warning = smaller_batches([RESULTS[0], slow, RESULTS[3]], 256)
    assert "default.qubit at 8 qubits (complex64): 31" in warning and "unequal batches" in warning
    assert smaller_batches(RESULTS, 256) == ""  # every measured one ran the full batch
