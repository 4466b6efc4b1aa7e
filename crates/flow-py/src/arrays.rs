//! NumPy arrays in and out: any array-like of float32 or float64 values (C or Fortran order,
//! strided views, nested lists) read once into row-major rows, and results returned as
//! float64 arrays that Python owns.

use flow_data::Points;
use numpy::ndarray::{ArrayViewD, Axis};
use numpy::{
    IntoPyArray, PyArray1, PyArray2, PyArray3, PyArrayDyn, PyArrayMethods, PyUntypedArray,
};
use pyo3::prelude::*;
use pyo3::types::IntoPyDict;

use crate::errors::value_error;

/// The rows of `value`, an array-like of shape `[N, width]` (or `[N]` when `width` is 1;
/// any width when `width` is `None`), as `what` names it in errors. Refuses another shape or
/// width, a dtype other than float32 and float64, an empty array and a non-finite value
/// (naming its row and column).
pub fn rows(value: &Bound<'_, PyAny>, width: Option<usize>, what: &str) -> PyResult<Points> {
    let py = value.py();
    let numpy = py.import("numpy")?;
    let array = match value.cast::<PyUntypedArray>() {
        Ok(array) => array.clone().into_any(),
        Err(_) => numpy
            .getattr("asarray")?
            .call((value,), Some(&[("dtype", "float64")].into_py_dict(py)?))
            .map_err(|e| value_error(format!("{what} is not an array of numbers: {e}")))?,
    };
    let (values, width) = if let Ok(array) = array.cast::<PyArrayDyn<f64>>() {
        collect(array.readonly().as_array(), width, what)?
    } else if let Ok(array) = array.cast::<PyArrayDyn<f32>>() {
        collect(array.readonly().as_array(), width, what)?
    } else {
        let dtype = array.getattr("dtype")?.str()?;
        return Err(value_error(format!(
            "{what} must hold float32 or float64 values, not {dtype} (convert it with \
             .astype(float))"
        )));
    };
    Points::new(width, values).map_err(|e| value_error(format!("{what}: {e}")))
}

/// The values of `view` in row-major order and their width, checked as [`rows`] describes.
fn collect<T: Copy + Into<f64>>(
    view: ArrayViewD<'_, T>,
    width: Option<usize>,
    what: &str,
) -> PyResult<(Vec<f32>, usize)> {
    let shape = view.shape().to_vec();
    let width = match (width, shape.as_slice()) {
        (Some(width), _) => width,
        (None, [_]) => 1,
        (None, [_, columns, ..]) => *columns,
        (None, _) => 0,
    };
    let n = match shape.as_slice() {
        [n] if width == 1 => *n,
        [n] => {
            return Err(value_error(format!(
                "{what} is 1-D of length {n}, but the model reads rows of {width} values: give \
                 an array of shape [N, {width}]"
            )));
        }
        [_, 0] => return Err(value_error(format!("{what} has no columns"))),
        [n, columns] if *columns == width => *n,
        [_, columns] => {
            return Err(value_error(format!(
                "{what} has {columns} columns, but the model reads rows of {width} values"
            )));
        }
        other => {
            return Err(value_error(format!(
                "{what} must be 2-D, of shape [N, {width}], not of shape {other:?}"
            )));
        }
    };
    if n == 0 {
        return Err(value_error(format!(
            "{what} is empty: give at least one row"
        )));
    }
    let view = match shape.len() {
        1 => view.insert_axis(Axis(1)),
        _ => view,
    };
    let mut values = Vec::with_capacity(n * width);
    for (row, cells) in view.outer_iter().enumerate() {
        for (column, &cell) in cells.iter().enumerate() {
            let value = cell.into();
            let narrowed = value as f32;
            if !narrowed.is_finite() {
                return Err(value_error(format!(
                    "{what} has a non-finite value {value} at row {row}, column {column} (as \
                     float32)"
                )));
            }
            values.push(narrowed);
        }
    }
    Ok((values, width))
}

/// `values` as a float64 vector.
pub fn vector(py: Python<'_>, values: Vec<f32>) -> Bound<'_, PyArray1<f64>> {
    values
        .into_iter()
        .map(f64::from)
        .collect::<Vec<f64>>()
        .into_pyarray(py)
}

/// Row-major `values` as a float64 `[rows, columns]` array.
pub fn matrix(py: Python<'_>, values: Vec<f32>, columns: usize) -> Bound<'_, PyArray2<f64>> {
    let rows = values.len() / columns.max(1);
    let values: Vec<f64> = values.into_iter().map(f64::from).collect();
    numpy::ndarray::Array2::from_shape_vec((rows, columns), values)
        .expect("whole rows")
        .into_pyarray(py)
}

/// Row-major `values` as a float64 `[blocks, rows, columns]` array.
pub fn cube(
    py: Python<'_>,
    values: Vec<f32>,
    blocks: usize,
    columns: usize,
) -> Bound<'_, PyArray3<f64>> {
    let rows = values.len() / (blocks * columns).max(1);
    let values: Vec<f64> = values.into_iter().map(f64::from).collect();
    numpy::ndarray::Array3::from_shape_vec((blocks, rows, columns), values)
        .expect("whole blocks of whole rows")
        .into_pyarray(py)
}
