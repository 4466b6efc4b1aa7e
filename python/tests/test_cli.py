"""The package and the command line share their artifact directories, and agree on them."""

import json

import numpy as np
import pytest

import flows

SIZES = dict(transforms=2, hidden=16)
TRAINING = dict(max_epochs=3, batch_size=256)


def summary(directory):
    return json.loads((directory / "summary.json").read_text())


def test_fit_and_flow_train_give_the_same_test_nll(tmp_path, blobs, cli):
    flow = flows.Flow("nsf", features=2, seed=5, **SIZES)
    history = flow.fit(blobs, artifact_dir=tmp_path / "py", valid_fraction=0.1, progress=False, **TRAINING)
    assert len(history["train_nll"]) == len(history["valid_nll"]) == history["epochs"] == 3
    assert history["best_epoch"] in (1, 2, 3) and history["seconds"] > 0

    np.save(tmp_path / "blobs.npy", blobs.astype(np.float32))
    cli("train", "--data", tmp_path / "blobs.npy", "--flow", "nsf", "--seed", 5, "--transforms", 2,
        "--hidden", 16, "--max-epochs", 3, "--batch-size", 256, "--valid-fraction", 0.1,
        "--artifact-dir", tmp_path / "cli")
    assert summary(tmp_path / "cli")["test_nll"] == pytest.approx(history["test_nll"], abs=1e-5)
    assert summary(tmp_path / "py")["test_nll"] == history["test_nll"]


def test_a_loaded_model_scores_as_flow_train_score_does(tmp_path, blobs, cli):
    cli("train", "--data", _saved(tmp_path, blobs), "--flow", "maf", "--max-epochs", 2,
        "--artifact-dir", tmp_path / "run")
    points = blobs[:200]
    np.savetxt(tmp_path / "points.csv", points, delimiter=",", header="a,b", comments="")
    cli("score", "--artifact-dir", tmp_path / "run", "--input", tmp_path / "points.csv",
        "--out", tmp_path / "scores.csv")
    scores = np.loadtxt(tmp_path / "scores.csv", delimiter=",", skiprows=1)
    log_p = scores[:, -1] if scores.ndim == 2 else scores
    loaded = flows.load(tmp_path / "run")
    assert isinstance(loaded, flows.Flow) and loaded.family == "maf"
    np.testing.assert_allclose(loaded.log_prob(points.astype(np.float32)), log_p, atol=1e-5, rtol=1e-6)


def test_a_model_saved_from_python_works_with_flow_train(tmp_path, blobs, cli):
    flow = flows.Flow("realnvp", features=2, seed=2, **SIZES)
    flow.fit(blobs, max_epochs=2, progress=False)
    flow.save(tmp_path / "saved")
    evaluated = json.loads(cli("eval", "--artifact-dir", tmp_path / "saved", "--json").stdout.splitlines()[-1])
    assert evaluated["test_nll"] == pytest.approx(summary(tmp_path / "saved")["test_nll"], abs=1e-4)
    cli("sample", "--artifact-dir", tmp_path / "saved", "-n", 100, "--out", tmp_path / "s.csv")
    assert np.loadtxt(tmp_path / "s.csv", delimiter=",", skiprows=1).shape == (100, 2)
    again = flows.load(tmp_path / "saved")
    np.testing.assert_allclose(again.log_prob(blobs[:50]), flow.log_prob(blobs[:50]), atol=1e-5)


def _saved(tmp_path, blobs):
    path = tmp_path / "blobs.npy"
    np.save(path, blobs.astype(np.float32))
    return path
