//! Python keywords as the library's [`Settings`]: each keyword is a flag of
//! `flow-train train` in snake_case, its value written as the command line writes it.

use flow_train::api::Settings;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyList, PyTuple};

use crate::errors::value_error;

/// The keywords that size the flow (given when it is built); every other flag is a setting
/// of training (given to `fit`).
pub const MODEL: [&str; 11] = [
    "layers",
    "transforms",
    "hidden",
    "depth",
    "bins",
    "tail_bound",
    "order",
    "direct",
    "actnorm",
    "context_embedding",
    "base",
];

/// Which keywords a call takes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Accepts {
    /// The sizes of the flow ([`MODEL`]).
    Sizes,
    /// The settings of training (the flags not in [`MODEL`]).
    Training,
}

/// The settings that `keywords` give, refusing those that the call does not take.
pub fn settings(keywords: Option<&Bound<'_, PyDict>>, accepts: Accepts) -> PyResult<Settings> {
    let mut settings = Settings::new();
    let Some(keywords) = keywords else {
        return Ok(settings);
    };
    for (key, value) in keywords.iter() {
        let name: String = key.extract()?;
        let sizes_the_model = MODEL.contains(&name.as_str());
        match accepts {
            Accepts::Sizes if !sizes_the_model => {
                return Err(value_error(format!(
                    "`{name}` is not a size of the flow ({}): give settings of training to fit()",
                    MODEL.join(", ")
                )));
            }
            Accepts::Training if sizes_the_model || name == "flow" || name == "seed" => {
                return Err(value_error(format!(
                    "`{name}` describes the flow: give it when the flow is built, not to fit()"
                )));
            }
            _ => {}
        }
        if let Some(text) = text(&value)? {
            settings.set(&name, text);
        }
    }
    Ok(settings)
}

/// `value` as the command line writes it: `true`/`false`, a number, a name, or a list's
/// items joined by commas; `None` for Python's `None` (the preset's value).
fn text(value: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
    if value.is_none() {
        return Ok(None);
    }
    if let Ok(flag) = value.cast::<PyBool>() {
        return Ok(Some(flag.is_true().to_string()));
    }
    if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        let items: Vec<String> = value
            .try_iter()?
            .map(|item| item.and_then(|item| Ok(item.str()?.to_string())))
            .collect::<PyResult<_>>()?;
        return Ok(Some(items.join(",")));
    }
    let text = value.str()?.to_string();
    Ok(Some(match text.as_str() {
        // NumPy's booleans print as Python's do.
        "True" | "False" => text.to_lowercase(),
        _ => text,
    }))
}
