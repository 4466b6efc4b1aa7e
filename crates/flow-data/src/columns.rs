//! The columns of a table that are the context `c` of a conditional model `p(x | c)`, and
//! the layout the model sees: the other columns (`x`, in the file's order), then the context
//! columns (in the order given).

use crate::error::DataError;
use crate::points::Points;

/// Which of a table's `width` columns are the context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextColumns {
    width: usize,
    /// 0-based positions of the context columns, in the order the model sees them.
    context: Vec<usize>,
}

impl ContextColumns {
    /// Reads a specification such as `x1,x2` (header names), `3-4` or `3,5` (1-based
    /// positions and ranges), `x1-x10` (a range between two names), against a table of `width` columns with `header` (if any).
    /// A name found in the header is a name; otherwise an item is a position or a range.
    ///
    /// Fails, naming the item, on a column that does not exist, a column given twice, or a
    /// specification that leaves no column for `x`.
    pub fn parse(spec: &str, header: Option<&[String]>, width: usize) -> Result<Self, DataError> {
        let error = |reason: String| DataError::ContextColumns {
            spec: spec.to_string(),
            reason,
        };
        let mut positions = Vec::new();
        for item in spec.split(',').map(str::trim) {
            if item.is_empty() {
                return Err(error("has an empty item".into()));
            }
            if let Some(i) = header.and_then(|h| h.iter().position(|name| name == item)) {
                positions.push(i + 1);
                continue;
            }
            // A range's ends are positions or names of the header (`x1-x10`).
            let number = |text: &str| -> Result<usize, DataError> {
                let text = text.trim();
                if let Some(i) = header.and_then(|h| h.iter().position(|name| name == text)) {
                    return Ok(i + 1);
                }
                match text.parse::<usize>() {
                    Ok(n) if n >= 1 => Ok(n),
                    _ => Err(error(match header {
                        Some(h) => format!(
                            "`{item}` is neither a column of the header ({}) nor a 1-based \
                             position or range",
                            h.join(", ")
                        ),
                        None => format!(
                            "`{item}` is not a 1-based position or range (the file has no \
                             header to name columns by)"
                        ),
                    })),
                }
            };
            match item.split_once('-') {
                Some((lo, hi)) => {
                    let (lo, hi) = (number(lo)?, number(hi)?);
                    if lo > hi {
                        return Err(error(format!("the range `{item}` runs backwards")));
                    }
                    positions.extend(lo..=hi);
                }
                None => positions.push(number(item)?),
            }
        }
        Self::from_positions(&positions, width).map_err(|e| match e {
            DataError::ContextColumns { reason, .. } => error(reason),
            other => other,
        })
    }

    /// The context columns at the 1-based `positions` of a table of `width` columns.
    pub fn from_positions(positions: &[usize], width: usize) -> Result<Self, DataError> {
        let spec = positions
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let error = |reason: String| DataError::ContextColumns {
            spec: spec.clone(),
            reason,
        };
        let mut context = Vec::with_capacity(positions.len());
        for &p in positions {
            if p == 0 || p > width {
                return Err(error(format!(
                    "column {p} does not exist (the table has {width} columns)"
                )));
            }
            if context.contains(&(p - 1)) {
                return Err(error(format!("column {p} is given twice")));
            }
            context.push(p - 1);
        }
        if context.is_empty() {
            return Err(error("names no column".into()));
        }
        if context.len() >= width {
            return Err(error(format!(
                "takes all {width} columns as context, which leaves none for x"
            )));
        }
        Ok(Self { width, context })
    }

    /// The 1-based positions of the context columns, in the order the model sees them.
    pub fn positions(&self) -> Vec<usize> {
        self.context.iter().map(|p| p + 1).collect()
    }

    /// The number of columns of the table.
    pub fn width(&self) -> usize {
        self.width
    }

    /// The context's width `C`.
    pub fn context_dim(&self) -> usize {
        self.context.len()
    }

    /// The width `D` of `x`, the other columns.
    pub fn x_dim(&self) -> usize {
        self.width - self.context.len()
    }

    /// The 0-based columns of the table in the order the model sees them: `x`'s, then the
    /// context's.
    pub fn model_order(&self) -> Vec<usize> {
        (0..self.width)
            .filter(|c| !self.context.contains(c))
            .chain(self.context.iter().copied())
            .collect()
    }

    /// The names of the context columns in `header` (their positions when there is none).
    pub fn names(&self, header: Option<&[String]>) -> Vec<String> {
        self.context
            .iter()
            .map(|&c| match header {
                Some(h) => h[c].clone(),
                None => (c + 1).to_string(),
            })
            .collect()
    }

    /// `points` (rows of the table) with their columns in the model's order.
    ///
    /// # Panics
    /// If the points are not rows of `width` values.
    pub fn to_model_order(&self, points: &Points) -> Points {
        assert_eq!(points.dim(), self.width, "rows of the table's width");
        let order = self.model_order();
        let values = points
            .iter_rows()
            .flat_map(|row| order.iter().map(move |&c| row[c]))
            .collect();
        Points::new(self.width, values).expect("a permutation of finite values")
    }
}

#[cfg(test)]
mod tests {
    use super::ContextColumns;
    use crate::points::Points;

    fn header() -> Vec<String> {
        ["a", "b", "x1", "x2"].map(String::from).to_vec()
    }

    #[test]
    fn names_positions_and_ranges_pick_the_same_columns() {
        let h = header();
        let by_name = ContextColumns::parse("x1,x2", Some(&h), 4).unwrap();
        let by_range = ContextColumns::parse("3-4", Some(&h), 4).unwrap();
        let by_positions = ContextColumns::parse("3, 4", None, 4).unwrap();
        let by_named_range = ContextColumns::parse("x1-x2", Some(&h), 4).unwrap();
        assert_eq!(by_name, by_range);
        assert_eq!(by_name, by_named_range);
        assert_eq!(
            ContextColumns::parse("b-x1", Some(&h), 4)
                .unwrap()
                .positions(),
            vec![2, 3]
        );
        assert_eq!(by_name, by_positions);
        assert_eq!(by_name.positions(), vec![3, 4]);
        assert_eq!(by_name.model_order(), vec![0, 1, 2, 3]);
        let swapped = ContextColumns::parse("b,a", Some(&h), 4).unwrap();
        assert_eq!(swapped.model_order(), vec![2, 3, 1, 0]);
        assert_eq!(swapped.names(Some(&h)), vec!["b", "a"]);
        let points = Points::new(4, vec![1.0, 2.0, 3.0, 4.0]).unwrap();
        assert_eq!(
            swapped.to_model_order(&points).values(),
            &[3.0, 4.0, 2.0, 1.0]
        );
    }

    #[test]
    fn bad_specifications_are_refused_with_the_reason() {
        let h = header();
        for (spec, reason) in [
            ("zz", "neither a column of the header"),
            ("5", "does not exist"),
            ("0", "neither a column"),
            ("x1,3", "given twice"),
            ("1-4", "leaves none for x"),
            ("4-3", "runs backwards"),
            ("x2-x1", "runs backwards"),
            ("a,,b", "empty item"),
        ] {
            let message = ContextColumns::parse(spec, Some(&h), 4)
                .unwrap_err()
                .to_string();
            assert!(message.contains(reason), "{spec}: {message}");
            assert!(message.contains(spec), "{spec}: {message}");
        }
    }
}
