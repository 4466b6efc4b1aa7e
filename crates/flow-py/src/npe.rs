//! `flows.NPE`: neural posterior estimation `q(θ | x)` from NumPy simulations, trained with
//! `flow-train npe`'s preset and sampled inside the prior's box as `flow-train sample` does.

use std::path::PathBuf;

use flow_data::{Points, PriorBox, Simulations};
use flow_train::api::{Settings, fit_posterior};
use numpy::{PyArray1, PyArray2};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::arrays::{matrix, rows, vector};
use crate::errors::{FlowError, guarded, value_error};
use crate::fitting::fit;
use crate::flow::joined;
use crate::held::Held;
use crate::keywords::{Accepts, settings};

/// A posterior `q(θ | x)` trained on simulations `(θ, x)`: the npe preset (`family`
/// `nsf-ar`), `x` the context; draws outside `prior_box` (a list of `(low, high)` pairs) are
/// rejected and redrawn.
#[pyclass(module = "flows", name = "NPE")]
pub struct Npe {
    settings: Settings,
    prior_box: Option<PriorBox>,
    held: Option<Held>,
    /// Whether this posterior was loaded from a directory (then it is not trained again).
    loaded: bool,
    /// The share of draws that fell inside the prior box at the last `sample`.
    #[pyo3(get)]
    last_acceptance: Option<f64>,
}

impl Npe {
    /// A posterior holding a model loaded from an artifact directory.
    pub fn loaded(held: Held) -> Self {
        Self {
            settings: Settings::new(),
            prior_box: held.trained.config.prior_box.clone(),
            held: Some(held),
            loaded: true,
            last_acceptance: None,
        }
    }

    /// The trained model, or the error of one not trained yet.
    fn held(&self) -> PyResult<&Held> {
        self.held
            .as_ref()
            .ok_or_else(|| FlowError::new_err("this posterior is not trained: call fit() first"))
    }

    /// One observation `x`: a vector (or a single row) of the model's context width.
    fn observation(&self, x: &Bound<'_, PyAny>) -> PyResult<Points> {
        let width = self.held()?.trained.context_dim();
        let flat = x.py().import("numpy")?.getattr("ravel")?.call1((x,))?;
        let observation = rows(&flat, Some(1), "x")?;
        if observation.len() != width {
            return Err(value_error(format!(
                "x is one observation of {width} values, not {}",
                observation.len()
            )));
        }
        Points::new(width, observation.into_parts().1).map_err(|e| value_error(e.to_string()))
    }
}

#[pymethods]
impl Npe {
    #[new]
    #[pyo3(signature = (prior_box = None, family = "nsf-ar", seed = 0, **sizes))]
    fn new(
        prior_box: Option<Vec<(f64, f64)>>,
        family: &str,
        seed: u64,
        sizes: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let prior_box = prior_box
            .map(|pairs| PriorBox::new(pairs.into_iter().map(|(lo, hi)| [lo, hi]).collect()))
            .transpose()
            .map_err(|e| value_error(format!("prior_box: {e}")))?;
        let settings = settings(sizes, Accepts::Sizes)?
            .with("flow", family)
            .with("seed", seed);
        // The sizes are checked now, as the flags are: a flow of any width will do.
        guarded(|| flow_train::api::untrained(1, 1, &settings))?;
        Ok(Self {
            settings,
            prior_box,
            held: None,
            loaded: false,
            last_acceptance: None,
        })
    }

    /// The prior's box as `(low, high)` pairs, if any.
    #[getter]
    fn prior_box(&self) -> Option<Vec<(f64, f64)>> {
        self.prior_box
            .as_ref()
            .map(|b| b.bounds().iter().map(|[lo, hi]| (*lo, *hi)).collect())
    }

    /// The artifact directory of the trained posterior, if any.
    #[getter]
    fn artifact_dir(&self) -> Option<PathBuf> {
        self.held.as_ref().and_then(|h| h.dir().map(PathBuf::from))
    }

    /// Trains `q(θ | x)` on the simulations `theta` (`[N, K]`) and `x` (`[N, M]`) as
    /// `flow-train npe` does; returns the history.
    #[pyo3(signature = (theta, x, *, artifact_dir = None, progress = true, **training))]
    fn fit<'py>(
        &mut self,
        py: Python<'py>,
        theta: &Bound<'py, PyAny>,
        x: &Bound<'py, PyAny>,
        artifact_dir: Option<PathBuf>,
        progress: bool,
        training: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        if self.loaded {
            return Err(FlowError::new_err(
                "a loaded posterior is not trained again here: build a new flows.NPE",
            ));
        }
        let theta = rows(theta, None, "theta")?;
        let x = rows(x, None, "x")?;
        if theta.len() != x.len() {
            return Err(value_error(format!(
                "theta has {} rows but x has {}: give one x per theta",
                theta.len(),
                x.len()
            )));
        }
        let simulations = Simulations::new(theta.dim(), theta.beside(&x))
            .map_err(|e| value_error(e.to_string()))?;
        let settings = self
            .settings
            .merged(&settings(training, Accepts::Training)?);
        let prior_box = self.prior_box.clone();
        let (held, result) = fit(py, artifact_dir, progress, move |run| {
            fit_posterior(&simulations, prior_box.as_ref(), &settings, run)
        });
        if held.is_some() {
            self.held = held;
        }
        result
    }

    /// `n` draws of `θ` from `q(θ | x)` at one observation `x`, inside the prior's box (the
    /// share accepted in `last_acceptance`): `[n, K]`.
    #[pyo3(signature = (n, x, seed = None))]
    fn sample<'py>(
        &mut self,
        py: Python<'py>,
        n: usize,
        x: &Bound<'py, PyAny>,
        seed: Option<u64>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        if n == 0 {
            return Err(value_error("n must be at least 1"));
        }
        let observation = self.observation(x)?;
        let prior_box = self.prior_box.clone();
        let held = self.held.as_mut().expect("checked by observation");
        let seed = held.seed(seed);
        let (held, dim) = (&*held, held.trained.dim());
        let (values, acceptance) = py.detach(|| {
            guarded(|| {
                let context = Some(observation.values());
                Ok(match &prior_box {
                    Some(prior_box) => {
                        let draws = held.trained.sample_in_box(
                            context,
                            n,
                            seed,
                            prior_box,
                            &held.device,
                        )?;
                        let acceptance = draws.acceptance();
                        (draws.values, Some(acceptance))
                    }
                    None => (
                        held.trained
                            .sample_at(observation.values(), n, seed, &held.device),
                        None,
                    ),
                })
            })
        })?;
        self.last_acceptance = acceptance;
        Ok(matrix(py, values, dim))
    }

    /// `log q(θ | x)` of each row of `theta` (`[N, K]`), at one observation `x` or at the
    /// rows of `x` (`[N, M]`): float64 `[N]`.
    fn log_prob<'py>(
        &self,
        py: Python<'py>,
        theta: &Bound<'py, PyAny>,
        x: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let held = self.held()?;
        let (dim, width) = (held.trained.dim(), held.trained.context_dim());
        let theta = rows(theta, Some(dim), "theta")?;
        let x = match rows(x, Some(width), "x") {
            Ok(x) if x.len() == theta.len() => x,
            _ => {
                let observation = self.observation(x)?;
                let repeated = observation.values().repeat(theta.len());
                Points::new(width, repeated).map_err(|e| value_error(e.to_string()))?
            }
        };
        let values = py.detach(|| {
            let rows = joined(&theta, Some(&x));
            guarded(|| Ok(held.trained.log_prob(&rows, &held.device)))
        })?;
        Ok(vector(py, values))
    }

    /// Writes the trained posterior as an artifact directory (`flow-train sample` reads it).
    fn save(&self, dir: PathBuf) -> PyResult<()> {
        self.held()?.save(&dir)
    }

    fn __repr__(&self) -> String {
        match &self.held {
            Some(held) => format!(
                "NPE(θ of {} values given x of {}: {})",
                held.trained.dim(),
                held.trained.context_dim(),
                held.trained.config.describe_model()
            ),
            None => "NPE(not trained)".to_string(),
        }
    }
}
