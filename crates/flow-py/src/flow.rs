//! `flows.Flow`: a normalizing flow `p(x)` or `p(x | c)` from NumPy, trained and evaluated by
//! the flow-train library.

use std::path::PathBuf;

use flow_data::Points;
use flow_train::api::{Settings, fit_rows, untrained};
use numpy::{PyArray1, PyArray2};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::arrays::{cube, matrix, rows, vector};
use crate::errors::{FlowError, guarded, value_error};
use crate::fitting::fit;
use crate::held::Held;
use crate::keywords::{Accepts, settings};

/// A normalizing flow over `features` values, conditional on `context` values when that is
/// not 0: `family` is a `--flow` of flow-train (`planar`, `radial`, `realnvp`, `nsf`, `maf`,
/// `nsf-ar`), and the keywords size it as the flags of the same name do.
#[pyclass(module = "flows")]
pub struct Flow {
    /// `flow`, `seed` and the sizes, for training.
    settings: Settings,
    held: Held,
    /// Whether this flow was loaded from a directory (then it is not trained again here).
    loaded: bool,
}

impl Flow {
    /// A flow holding a model loaded from an artifact directory.
    pub fn loaded(held: Held) -> Self {
        Self {
            settings: Settings::new(),
            held,
            loaded: true,
        }
    }

    /// The width `D` of `x`.
    fn features(&self) -> usize {
        self.held.trained.dim()
    }

    /// The rows of `x` (`what`) and of the context, checked against the model's widths.
    fn inputs(
        &self,
        x: &Bound<'_, PyAny>,
        what: &str,
        context: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<(Points, Option<Points>)> {
        let x = rows(x, Some(self.features()), what)?;
        let context = contexts(context, self.held.trained.context_dim(), Some(x.len()))?;
        Ok((x, context))
    }
}

#[pymethods]
impl Flow {
    #[new]
    #[pyo3(signature = (family = "nsf", features = None, context = 0, seed = 0, **sizes))]
    fn new(
        family: &str,
        features: Option<usize>,
        context: usize,
        seed: u64,
        sizes: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let features = match features {
            Some(0) | None => {
                return Err(value_error(
                    "features must be given: the number of values of each x (at least 1)",
                ));
            }
            Some(features) => features,
        };
        let settings = settings(sizes, Accepts::Sizes)?
            .with("flow", family)
            .with("seed", seed);
        let (trained, device) = guarded(|| untrained(features, context, &settings))?;
        Ok(Self {
            settings,
            held: Held::new(trained, device, None),
            loaded: false,
        })
    }

    /// The width `D` of `x`.
    #[getter(features)]
    fn py_features(&self) -> usize {
        self.features()
    }

    /// The width `C` of the context (0: an unconditional flow).
    #[getter]
    fn context(&self) -> usize {
        self.held.trained.context_dim()
    }

    /// The family (`nsf`, `maf`, …).
    #[getter]
    fn family(&self) -> &'static str {
        self.held.trained.config.flow_name()
    }

    /// The artifact directory of the trained model, if any.
    #[getter]
    fn artifact_dir(&self) -> Option<PathBuf> {
        self.held.dir().map(PathBuf::from)
    }

    /// Trains the flow on `x` (`[N, D]`) and its `context` (`[N, C]`), as `flow-train train`
    /// does; returns the history.
    #[pyo3(signature = (x, context = None, *, valid_fraction = 0.1, artifact_dir = None, progress = true, **training))]
    #[allow(clippy::too_many_arguments)] // Python's keywords
    fn fit<'py>(
        &mut self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
        context: Option<&Bound<'py, PyAny>>,
        valid_fraction: f64,
        artifact_dir: Option<PathBuf>,
        progress: bool,
        training: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        if self.loaded {
            return Err(FlowError::new_err(
                "a loaded flow is not trained again here: continue its run with `flow-train \
                 train --resume --artifact-dir DIR`, or build a new flows.Flow",
            ));
        }
        let (x, context) = self.inputs(x, "x", context)?;
        let settings = self
            .settings
            .merged(&settings(training, Accepts::Training)?.with("valid_fraction", valid_fraction));
        let (held, result) = fit(py, artifact_dir, progress, move |run| {
            fit_rows(&x, context.as_ref(), &settings, run)
        });
        if let Some(held) = held {
            self.held = held;
        }
        result
    }

    /// `log p(x)` (or `log p(x | c)`) of each row, in nats: float64 `[N]`.
    #[pyo3(signature = (x, context = None))]
    fn log_prob<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
        context: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let (x, context) = self.inputs(x, "x", context)?;
        let held = &self.held;
        let values = py.detach(|| {
            let rows = joined(&x, context.as_ref());
            guarded(|| Ok(held.trained.log_prob(&rows, &held.device)))
        })?;
        Ok(vector(py, values))
    }

    /// `n` exact samples: `[n, D]`, or `[M, n, D]` at each of `M` context rows.
    #[pyo3(signature = (n, context = None, seed = None))]
    fn sample<'py>(
        &mut self,
        py: Python<'py>,
        n: usize,
        context: Option<&Bound<'py, PyAny>>,
        seed: Option<u64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if n == 0 {
            return Err(value_error("n must be at least 1"));
        }
        let context = contexts(context, self.held.trained.context_dim(), None)?;
        let seed = self.held.seed(seed);
        let (held, dim) = (&self.held, self.features());
        let values = py.detach(|| {
            guarded(|| {
                Ok(match &context {
                    Some(c) => held.trained.sample_at(c.values(), n, seed, &held.device),
                    None => held.trained.sample(n, seed, &held.device),
                })
            })
        })?;
        Ok(match context {
            Some(c) => cube(py, values, c.len(), dim).into_any(),
            None => matrix(py, values, dim).into_any(),
        })
    }

    /// The latent codes `z` of the rows of `x`: `[N, D]`.
    #[pyo3(signature = (x, context = None))]
    fn encode<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
        context: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let (x, context) = self.inputs(x, "x", context)?;
        let held = &self.held;
        let values = py.detach(|| {
            let rows = joined(&x, context.as_ref());
            guarded(|| Ok(held.trained.encode(&rows, &held.device)))
        })?;
        Ok(matrix(py, values, self.features()))
    }

    /// The points `x` of the latent codes `z`: `[N, D]`.
    #[pyo3(signature = (z, context = None))]
    fn decode<'py>(
        &self,
        py: Python<'py>,
        z: &Bound<'py, PyAny>,
        context: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let (z, context) = self.inputs(z, "z", context)?;
        let held = &self.held;
        let values = py.detach(|| {
            let rows = joined(&z, context.as_ref());
            guarded(|| Ok(held.trained.decode(&rows, &held.device)))
        })?;
        Ok(matrix(py, values, self.features()))
    }

    /// Writes the trained model as an artifact directory that every `flow-train` command
    /// reads.
    fn save(&self, dir: PathBuf) -> PyResult<()> {
        self.held.save(&dir)
    }

    fn __repr__(&self) -> String {
        let trained = &self.held.trained;
        let context = match trained.context_dim() {
            0 => String::new(),
            c => format!(", context={c}"),
        };
        format!(
            "Flow({}, features={}{context}: {})",
            trained.config.flow_name(),
            trained.dim(),
            trained.config.describe_model()
        )
    }
}

/// The rows of a `context` of `width` values (`rows` of them when given), or none for an
/// unconditional flow; refuses a missing or an unexpected context.
pub fn contexts(
    context: Option<&Bound<'_, PyAny>>,
    width: usize,
    count: Option<usize>,
) -> PyResult<Option<Points>> {
    match (context, width) {
        (None, 0) => Ok(None),
        (Some(_), 0) => Err(value_error(
            "this flow has no context: it is p(x), not p(x | c) (build it with context=C)",
        )),
        (None, width) => Err(value_error(format!(
            "this flow is p(x | c): give the context, {width} values per row"
        ))),
        (Some(context), width) => {
            let context = rows(context, Some(width), "context")?;
            match count {
                Some(count) if count != context.len() => Err(value_error(format!(
                    "the context has {} rows but x has {count}: give one context row per row",
                    context.len()
                ))),
                _ => Ok(Some(context)),
            }
        }
    }
}

/// Row-major rows of `x`, each followed by its context row when there is one.
pub fn joined(x: &Points, context: Option<&Points>) -> Vec<f32> {
    x.beside_if_any(context).into_parts().1
}
