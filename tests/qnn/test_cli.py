import subprocess
import sys

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
