"""Every bad input is a Python exception carrying the command line's one-line message."""

import numpy as np
import pytest

import flows


@pytest.fixture(scope="module")
def flow():
    return flows.Flow("maf", features=2, seed=0)


@pytest.mark.parametrize(
    "x, words",
    [
        (np.zeros((5, 3)), "3 columns"),
        (np.zeros(5), "1-D of length 5"),
        (np.zeros((5, 2), dtype=np.int64), "float32 or float64"),
        (np.zeros((0, 2)), "empty"),
        (np.zeros((2, 2, 2)), "2-D"),
        ([["a", "b"]], "not an array of numbers"),
    ],
)
def test_a_wrong_array_is_a_value_error(flow, x, words):
    with pytest.raises(ValueError, match=words):
        flow.log_prob(x)


def test_a_non_finite_value_is_named_by_its_row_and_column(flow):
    x = np.zeros((4, 2))
    x[2, 1] = np.nan
    with pytest.raises(ValueError, match="row 2, column 1"):
        flow.fit(x, progress=False)
    x[2, 1] = 1e300
    with pytest.raises(ValueError, match="row 2, column 1"):
        flow.log_prob(x)


def test_a_missing_or_unexpected_context_is_a_value_error(flow):
    with pytest.raises(ValueError, match="no context"):
        flow.log_prob(np.zeros((3, 2)), context=np.zeros((3, 1)))
    conditional = flows.Flow("nsf", features=2, context=1)
    with pytest.raises(ValueError, match="give the context"):
        conditional.log_prob(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="one context row per row"):
        conditional.log_prob(np.zeros((3, 2)), context=np.zeros((2, 1)))


def test_unknown_families_keywords_and_values_are_value_errors():
    with pytest.raises(ValueError, match="glow"):
        flows.Flow("glow", features=2)
    with pytest.raises(ValueError, match="features"):
        flows.Flow("nsf")
    with pytest.raises(ValueError, match="unknown setting `epochs`"):
        flows.Flow("nsf", features=2).fit(np.zeros((10, 2)), epochs=3)
    with pytest.raises(ValueError, match="not a size of the flow"):
        flows.Flow("nsf", features=2, max_epochs=3)
    with pytest.raises(ValueError, match="describes the flow"):
        flows.Flow("nsf", features=2).fit(np.zeros((10, 2)), hidden=3)
    with pytest.raises(ValueError, match="--layers"):
        flows.Flow("nsf", features=2, layers=3)
    with pytest.raises(ValueError, match="--lr"):
        flows.Flow("nsf", features=2).fit(np.zeros((10, 2)), lr=-1.0, progress=False)
    with pytest.raises(ValueError, match="many"):
        flows.Flow("nsf", features=2).fit(np.zeros((10, 2)), max_epochs="many")
    with pytest.raises(ValueError, match="task"):
        flows.simulate("no-such-task", 10)
    with pytest.raises(ValueError, match="prior_box"):
        flows.NPE(prior_box=[(1.0, -1.0)])


def test_a_missing_directory_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        flows.load(tmp_path / "nothing here")


def test_a_corrupt_checkpoint_is_a_flow_error(tmp_path, blobs):
    flow = flows.Flow("realnvp", features=2, transforms=2, hidden=8)
    flow.fit(blobs[:500], max_epochs=1, progress=False)
    flow.save(tmp_path / "saved")
    (tmp_path / "saved" / "model.bpk").write_bytes(b"not a model")
    with pytest.raises(flows.FlowError, match="model.bpk"):
        flows.load(tmp_path / "saved")
    assert issubclass(flows.FlowError, RuntimeError)


def test_saving_an_untrained_flow_is_a_flow_error(tmp_path, flow):
    with pytest.raises(flows.FlowError, match="fit it"):
        flow.save(tmp_path / "untrained")
    assert not (tmp_path / "untrained").exists()


def test_a_diverging_run_is_a_flow_error_and_keeps_no_worse_model(blobs):
    flow = flows.Flow("realnvp", features=2, transforms=2, hidden=8)
    with pytest.raises(flows.FlowError, match="lower --lr"):
        flow.fit(blobs * 1e3, lr=10.0, standardize=False, max_epochs=20, progress=False)
