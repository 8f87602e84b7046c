from qnn.perf import measure_bandwidth


def test_bandwidth_fields_are_consistent():
    result = measure_bandwidth(12, repeats=2)
    assert result.state_bytes == 2**12 * 8 and result.dtype == "complex64" and result.device == "cpu"
    assert result.copy_seconds > 0 and result.gate_seconds > 0
    assert result.fraction_of_copy == result.copy_seconds / result.gate_seconds
    assert result.gate_gb_per_s == 2 * result.state_bytes / result.gate_seconds / 1e9
