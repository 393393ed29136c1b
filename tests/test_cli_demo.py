"""`convviz demo` and `python -m convviz` print the worked examples from the core."""
import subprocess
import sys

from convviz.cli import main


def test_demo_prints_hand_checked_numbers(capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "3*0 + 3*1 + 2*2 + 0*2 + 0*2 + 1*0 + 3*0 + 1*1 + 2*2 = 12" in out
    assert "step 9/9: output[2, 2]" in out
    assert "total = 0 + 3 + 3 + bias 1 = 7" in out            # multi-channel first cell
    assert "sum + bias 1 = [[7, 6, 5], [4, 4, 6], [8, 5, 2]]" in out


def test_demo_max_steps_truncates():
    out = subprocess.run([sys.executable, "-m", "convviz", "demo", "--max-steps", "1"],
                         capture_output=True, text=True, check=True).stdout
    assert "step 1/9" in out and "step 2/9" not in out and "... 8 more steps" in out


def test_no_command_prints_help_and_fails():
    result = subprocess.run([sys.executable, "-m", "convviz"], capture_output=True, text=True)
    assert result.returncode == 2 and "usage: convviz" in result.stdout
