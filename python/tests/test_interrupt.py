"""Ctrl-C during fit: KeyboardInterrupt, the best weights kept, the directory resumable."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import flows

CHILD = textwrap.dedent(
    """
    import signal, sys, time
    import numpy as np
    import flows

    # Python keeps SIGINT ignored when it starts ignored (a background job of a script, as CI
    # runs it); a terminal or a notebook has the default handler, which is what is tested.
    signal.signal(signal.SIGINT, signal.default_int_handler)

    rng = np.random.default_rng(0)
    # Two clusters: not Gaussian, so that every epoch can improve on the untrained flow.
    x = rng.normal(size=(20000, 2)) * 0.4 + np.where(rng.random((20000, 1)) < 0.5, -1.5, 1.5)
    flow = flows.Flow("realnvp", features=2, transforms=2, hidden=16)
    try:
        # Small batches: each epoch takes a while, so the signal comes long before the end.
        flow.fit(x, artifact_dir=sys.argv[1], max_epochs=6, patience=6, batch_size=16,
                 progress=False)
    except KeyboardInterrupt:
        print("interrupted", time.monotonic(), flush=True)
        assert np.isfinite(flow.log_prob(x[:10])).all()
        assert flow.artifact_dir is not None
        print("kept", flush=True)
    else:
        print("not interrupted", flush=True)
    """
)


def test_ctrl_c_raises_keyboard_interrupt_and_keeps_the_best_model(tmp_path, cli):
    run = tmp_path / "run"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(run)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    metrics = run / "metrics.csv"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and child.poll() is None:
        if metrics.is_file() and len(metrics.read_text().splitlines()) >= 2:
            break
        time.sleep(0.05)
    sent = time.monotonic()
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("interrupted") and lines[1] == "kept", out + err
    # How long KeyboardInterrupt took, for the record (speed is measured by scripts, not asserted).
    print(f"KeyboardInterrupt {float(lines[0].split()[1]) - sent:.2f} s after SIGINT")
    assert "Traceback" not in err and "panicked" not in err, err

    loaded = flows.load(run)
    assert loaded.features == 2
    summary = json.loads((run / "summary.json").read_text())
    assert summary["stopped"] == "Interrupted" or "nterrupt" in json.dumps(summary["stopped"])
    cli("train", "--resume", "--artifact-dir", run)
    resumed = json.loads((run / "summary.json").read_text())
    assert resumed["epochs"] == 6 and summary["epochs"] < 6
