"""Fixtures of the package's tests: small data sets, and the flow-train binary of the same build."""

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]


def flow_train_binary():
    """The flow-train binary: $FLOW_TRAIN, else the release build's, else the one on PATH."""
    named = os.environ.get("FLOW_TRAIN")
    if named:
        return named
    built = REPO / "target" / "release" / "flow-train"
    if built.is_file():
        return str(built)
    return shutil.which("flow-train")


@pytest.fixture(scope="session")
def cli():
    """Runs `flow-train ARGS…` on the CPU backend; returns the finished process (checked)."""
    binary = flow_train_binary()
    if binary is None:
        pytest.skip("no flow-train binary: build it (cargo build --release -p flow-train) or set FLOW_TRAIN")

    def run(*args, check=True):
        env = dict(os.environ, FLOW_TRAIN_DEVICE=os.environ.get("FLOW_TRAIN_DEVICE", "flex"))
        done = subprocess.run([binary, *map(str, args)], capture_output=True, text=True, env=env)
        if check and done.returncode != 0:
            raise AssertionError(f"flow-train {' '.join(map(str, args))} failed:\n{done.stdout}\n{done.stderr}")
        return done

    return run


@pytest.fixture(scope="session")
def blobs():
    """3 000 points of a 2-D mixture of two Gaussians, float64 [N, 2]."""
    rng = np.random.default_rng(7)
    centres = np.array([[-2.0, 0.0], [2.0, 1.0]])
    labels = rng.integers(0, 2, size=3000)
    return centres[labels] + 0.5 * rng.normal(size=(3000, 2))
