"""The examples run as written and print what they promise."""

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run(name, cwd):
    done = subprocess.run([sys.executable, str(EXAMPLES / name)], cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_quick_start_learns_the_checkerboard(tmp_path):
    out = run("quick_start.py", tmp_path)
    nll = float(out.split("test NLL ")[1].split()[0])
    assert nll < 2.5, out  # an untrained flow scores about 2.9; the board's own entropy is 2.08
    inside = float(out.split("black squares: ")[1].split()[0])
    assert inside > 75, out
    assert (tmp_path / "artifacts" / "python-quick-start" / "model.bpk").is_file()


def test_sbi_infers_the_mean_and_spread_of_the_measurements(tmp_path):
    out = run("sbi.py", tmp_path)
    mu = float(out.split("posterior of mu: mean ")[1].split(",")[0])
    sigma = float(out.split("posterior of sigma: mean ")[1].split(",")[0])
    assert mu == pytest.approx(0.7, abs=0.25) and sigma == pytest.approx(1.25, abs=0.3), out
