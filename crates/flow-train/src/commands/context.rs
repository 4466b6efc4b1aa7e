//! The contexts given to the inference commands of a conditional model (`--context`,
//! `--context-file`, `--observation`), checked against the model.

use std::path::Path;

use flow_data::{Task, read_table};

use crate::cli::ContextArg;
use crate::error::FlowError;
use crate::infer::inference::TrainedFlow;

/// The contexts at which to evaluate `trained`: `None` for an unconditional model, else
/// row-major rows of `C` values in the data's units (one row from `--context`, every row of
/// `--context-file`). Fails with one line on a context given to an unconditional model, a
/// conditional model without one, a wrong width or a non-finite value.
pub fn contexts(
    trained: &TrainedFlow,
    given: &ContextArg,
    file: Option<&Path>,
) -> Result<Option<Vec<f32>>, FlowError> {
    if let Some(k) = given.observation {
        return observation(trained, k, given.observation_task).map(Some);
    }
    let width = trained.context_dim();
    let flag = if file.is_some() {
        "--context-file"
    } else {
        "--context"
    };
    match (width, &given.context, file) {
        (0, None, None) => Ok(None),
        (0, _, _) => Err(FlowError::invalid(
            flag,
            "the model was trained without a context (train with --context-columns for p(x | c))",
        )),
        (_, None, None) => Err(FlowError::invalid(
            "--context",
            format!(
                "the model is conditional on {width} context columns ({}); give their values \
                 with --context v1,…,v{width}",
                describe_columns(trained)
            ),
        )),
        (_, Some(values), _) => {
            if values.len() != width {
                return Err(FlowError::invalid(
                    "--context",
                    format!(
                        "has {} values, but the model's context has {width} ({})",
                        values.len(),
                        describe_columns(trained)
                    ),
                ));
            }
            finite_f32("--context", values).map(Some)
        }
        (_, None, Some(path)) => Ok(Some(read_table(path, Some(width))?.points.into_parts().1)),
    }
}

/// `values` as 32-bit floats; an error said of `flag` names the first that is not finite in
/// 32 bits.
pub fn finite_f32(flag: &'static str, values: &[f64]) -> Result<Vec<f32>, FlowError> {
    if let Some((column, value)) = values
        .iter()
        .enumerate()
        .find(|(_, v)| !(**v as f32).is_finite())
    {
        let what = match value.is_finite() {
            true => "too large for a 32-bit float",
            false => "not finite",
        };
        return Err(FlowError::invalid(
            flag,
            format!("value {} ({value}) is {what}", column + 1),
        ));
    }
    Ok(values.iter().map(|&v| v as f32).collect())
}

/// sbibm's observation `k` of the model's task (or of `named`, for a model that records no
/// task) as the context, checked against the model's context width.
fn observation(
    trained: &TrainedFlow,
    k: usize,
    named: Option<Task>,
) -> Result<Vec<f32>, FlowError> {
    let recorded = trained.config.task;
    let task = match (named, recorded) {
        (Some(named), Some(recorded)) if named != recorded => {
            return Err(FlowError::invalid(
                "--task",
                format!("{named} is not the model's task: it was trained on {recorded}"),
            ));
        }
        (Some(task), _) | (None, Some(task)) => task,
        (None, None) => {
            return Err(FlowError::invalid(
                "--observation",
                "the model records no task (it was not trained by npe): name it with --task",
            ));
        }
    };
    let width = trained.context_dim();
    if width != task.x_dim() {
        return Err(FlowError::invalid(
            "--observation",
            format!(
                "an observation of {task} has {} values, but the model's context has {width}",
                task.x_dim()
            ),
        ));
    }
    task_observation(task, k)
}

/// sbibm's observation `k` of `task` as 32-bit floats; an out-of-range `k` is an error said
/// of `--observation`.
pub fn task_observation(task: Task, k: usize) -> Result<Vec<f32>, FlowError> {
    let values = task
        .observation(k)
        .map_err(|e| FlowError::invalid("--observation", e.to_string()))?;
    Ok(values.iter().map(|&v| v as f32).collect())
}

/// The context columns as the training run named them.
fn describe_columns(trained: &TrainedFlow) -> String {
    let config = &trained.config;
    let names = if config.context_names.is_empty() {
        config
            .context_columns
            .iter()
            .map(|c| format!("column {c}"))
            .collect::<Vec<_>>()
    } else {
        config.context_names.clone()
    };
    names.join(", ")
}
