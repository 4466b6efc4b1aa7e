//! The Python package `flows` (distribution `flows-rs`): the flows of flow-train from NumPy.
//! A thin layer over the flow-train library: the Python classes `Flow` and `NPE` hold a
//! `TrainedFlow`, train it with `flow_train::api`, and read and write the command line's
//! artifact directories.
//!
//! The guide to the whole toolkit is the mdBook in the repository's `docs/` (`mdbook build
//! docs`); its chapter "Python" documents the package.

mod arrays;
mod errors;
mod fitting;
mod flow;
mod held;
mod keywords;
mod npe;

use std::path::PathBuf;

use flow_data::Task;
use flow_train::api::open_device;
use flow_train::infer::inference::TrainedFlow;
use flow_train::train::data::DataSource;
use pyo3::exceptions::PyFileNotFoundError;
use pyo3::prelude::*;

use crate::arrays::matrix;
use crate::errors::{guarded, value_error};
use crate::held::{Held, Home};

/// mimalloc for the library's own allocations, as the `flow-train` binary has: glibc's
/// malloc maps and unmaps the large tensor buffers of scoring and sampling from the OS at
/// every chunk (log p of 10⁶ points took twice as long as in the binary). Python's own
/// objects keep Python's allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Loads the artifact directory `dir` that `flow-train` or `save` wrote: an `NPE` for a
/// posterior trained on simulations (`flow-train npe`, `NPE.save`), else a `Flow`.
#[pyfunction]
#[pyo3(signature = (dir, device = None))]
fn load(py: Python<'_>, dir: PathBuf, device: Option<String>) -> PyResult<Py<PyAny>> {
    if !dir.is_dir() {
        return Err(PyFileNotFoundError::new_err(format!(
            "{}: no such artifact directory",
            dir.display()
        )));
    }
    let (trained, device) = py.detach(|| {
        guarded(|| {
            let device = open_device(device.as_deref())?;
            Ok((TrainedFlow::load(&dir, &device)?, device))
        })
    })?;
    let posterior = is_posterior(&trained);
    let held = Held::new(trained, device, Some(Home::Kept(dir)));
    Ok(match posterior {
        true => Py::new(py, npe::Npe::loaded(held))?.into_any(),
        false => Py::new(py, flow::Flow::loaded(held))?.into_any(),
    })
}

/// Whether `trained` is a posterior trained on simulations: a conditional model of a
/// directory's `simulations.csv`.
fn is_posterior(trained: &TrainedFlow) -> bool {
    let simulations = match &trained.config.data {
        DataSource::File { path, .. } => path.file_name() == Some("simulations.csv".as_ref()),
        _ => false,
    };
    simulations && trained.context_dim() > 0
}

/// `n` simulations `(θ, x)` of a benchmark task of `flow-train simulate` (`two-moons`,
/// `gaussian-linear`, `gaussian-linear-uniform`, `gaussian-mixture`, `slcp`, `slcp-distractors`,
/// `bernoulli-glm`, `bernoulli-glm-raw`, `sir`, `lotka-volterra`) from `seed`: float64 `[n, K]` and `[n, M]`.
#[pyfunction]
#[pyo3(signature = (task, n, seed = 0))]
#[allow(clippy::type_complexity)]
fn simulate<'py>(
    py: Python<'py>,
    task: &str,
    n: usize,
    seed: u64,
) -> PyResult<(
    Bound<'py, numpy::PyArray2<f64>>,
    Bound<'py, numpy::PyArray2<f64>>,
)> {
    let task: Task = task
        .parse()
        .map_err(|e| value_error(format!("task: {e}")))?;
    if n == 0 {
        return Err(value_error("n must be at least 1"));
    }
    let simulations = py.detach(|| guarded(|| Ok(task.simulate(n, seed)?)))?;
    let points = simulations.points();
    let (theta_dim, x_dim) = (simulations.theta_dim(), simulations.x_dim());
    let theta = points.columns(0, theta_dim).into_parts().1;
    let x = points.columns(theta_dim, x_dim).into_parts().1;
    Ok((matrix(py, theta, theta_dim), matrix(py, x, x_dim)))
}

/// The extension module `flows._flows`.
#[pymodule]
fn _flows(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<flow::Flow>()?;
    m.add_class::<npe::Npe>()?;
    m.add_function(wrap_pyfunction!(load, m)?)?;
    m.add_function(wrap_pyfunction!(simulate, m)?)?;
    m.add("FlowError", m.py().get_type::<errors::FlowError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
