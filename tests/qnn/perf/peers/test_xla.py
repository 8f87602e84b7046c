import os

from qnn.perf.peers.xla import xla_threads


def test_the_flags_hold_the_threads_and_the_environment_is_restored(monkeypatch):
    monkeypatch.setenv("XLA_FLAGS", "--xla_dump_to=/tmp/x")
    with xla_threads(2):
        flags = os.environ["XLA_FLAGS"].split()
    assert flags == ["--xla_dump_to=/tmp/x", "--xla_cpu_multi_thread_eigen=true", "intra_op_parallelism_threads=2"]
    assert os.environ["XLA_FLAGS"] == "--xla_dump_to=/tmp/x"
    monkeypatch.delenv("XLA_FLAGS")
    with xla_threads(1):
        assert "--xla_cpu_multi_thread_eigen=false" in os.environ["XLA_FLAGS"]
    with xla_threads(None):
        assert "XLA_FLAGS" not in os.environ
    assert "XLA_FLAGS" not in os.environ
