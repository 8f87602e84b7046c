import subprocess
import sys

import pytest

from qnn.cli import main


def test_help_lists_commands(capsys):
    assert main([]) == 0
    assert "demo" in capsys.readouterr().out


def test_demo_trains_both_models(capsys):
    assert main(["demo", "--epochs", "3", "--features", "4", "--qubits", "2"]) == 0
    out = capsys.readouterr().out
    assert "hybrid (quantum layer)" in out
    assert "classical MLP" in out


def test_python_dash_m_is_the_same_command():
    result = subprocess.run([sys.executable, "-m", "qnn", "--version"], capture_output=True, text=True, check=True)
    assert result.stdout.startswith("qnn ")


def test_bad_arguments_get_one_line_errors_not_tracebacks(capsys, tmp_path):
    with pytest.raises(SystemExit) as exited:
        main(["bench", "--jobs", "0"])
    assert exited.value.code == 2
    assert "argument --jobs: expected a positive integer, got 0" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["perf", "--qubits", "4", "-1"])
    assert "argument --qubits: expected a positive integer, got -1" in capsys.readouterr().err
    missing = tmp_path / "missing.toml"
    assert main(["bench", "--config", str(missing), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("qnn bench: error: ") and "missing.toml" in err and "Traceback" not in err
