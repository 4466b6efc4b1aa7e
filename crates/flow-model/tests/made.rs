//! MADE's masks: each output depends on exactly the coordinates before it in its order (and
//! on the whole context), read off the autodiff Jacobian.

use burn::tensor::{Device, Tensor};
use flow_model::{AutoregressiveOrder, Made, MadeShape};
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::common::{floats, matrix, perturbed, uniform};

/// `Σ_points |∂ out[i, p] / ∂ input_j|` for every output `(i, p)` and input `j` (the
/// coordinates, then the context): `[D·P][D + C]`.
fn dependence(made: &Made, x: &[f32], context: Option<&[f32]>, device: &Device) -> Vec<Vec<f64>> {
    let (dim, width, per) = (made.dim(), made.context, made.per_coordinate);
    let n = x.len() / dim;
    let mut rows = Vec::new();
    for i in 0..dim {
        for p in 0..per {
            let x = matrix(x, dim, device).require_grad();
            let c = context.map(|c| matrix(c, width, device).require_grad());
            let out = made.forward(x.clone(), c.as_ref());
            let grads = out.narrow(1, i, 1).narrow(2, p, 1).sum().backward();
            let sum = |t: Tensor<2>, cols: usize| -> Vec<f64> {
                let values = floats(t);
                (0..cols)
                    .map(|j| (0..n).map(|r| values[r * cols + j].abs()).sum())
                    .collect()
            };
            let mut row = sum(x.grad(&grads).unwrap(), dim);
            if let Some(c) = c {
                row.extend(sum(c.grad(&grads).unwrap(), width));
            }
            rows.push(row);
        }
    }
    rows
}

#[test]
fn outputs_depend_exactly_on_the_coordinates_before_them_and_on_the_context() {
    let device = Device::flex().autodiff();
    for dim in [1, 2, 5, 13] {
        for order in [AutoregressiveOrder::Alternate, AutoregressiveOrder::Random] {
            for (context, direct) in [(0, false), (3, false), (0, true), (3, true)] {
                let mut rng = StdRng::seed_from_u64(dim as u64);
                // The second transform's order: reversed (alternate) or shuffled.
                let orders = order.orders(dim, 2, &mut rng);
                let shape = MadeShape {
                    order: orders[1].clone(),
                    context,
                    hidden: 2 * dim + 4,
                    depth: 2,
                    per_coordinate: 2,
                    direct,
                };
                let what = format!("D = {dim}, {order:?}, context {context}, direct {direct}");
                let made = match Made::new(&shape, &mut rng, &device) {
                    Ok(made) => made,
                    Err(e) => {
                        assert!(dim == 1 && context == 0, "{what}: {e}");
                        assert!(e.to_string().contains("cut every path"), "{e}");
                        continue;
                    }
                };
                assert!(
                    !(dim == 1 && context == 0),
                    "{what}: a MADE with no path was built"
                );
                let made = perturbed(made, 0.5, 3);
                let x = uniform(64 * dim, 2.0, 5);
                let c = uniform(64 * context, 2.0, 6);
                let rows = dependence(&made, &x, (context > 0).then_some(&c[..]), &device);
                let rank =
                    |coordinate: usize| shape.order.iter().position(|&o| o == coordinate).unwrap();
                for (u, row) in rows.iter().enumerate() {
                    let i = u / 2;
                    for (j, &seen) in row.iter().take(dim).enumerate() {
                        if rank(j) < rank(i) {
                            assert!(seen > 0.0, "{what}: output {i} ignores x{j}, before it");
                        } else {
                            assert_eq!(seen, 0.0, "{what}: output {i} sees x{j}, not before it");
                        }
                    }
                    for k in 0..context {
                        assert!(row[dim + k] > 0.0, "{what}: output {i} ignores context {k}");
                    }
                }
            }
        }
    }
}

#[test]
fn the_product_of_the_masks_is_strictly_triangular_in_the_order() {
    let mut rng = StdRng::seed_from_u64(1);
    let order = AutoregressiveOrder::Random.orders(7, 1, &mut rng).remove(0);
    let shape = MadeShape {
        order: order.clone(),
        context: 0,
        hidden: 10,
        depth: 3,
        per_coordinate: 1,
        direct: false,
    };
    let masks = shape.masks().unwrap();
    // Paths from input j to output i: the product of the 0/1 masks.
    let mut paths: Vec<Vec<f64>> = (0..7)
        .map(|j| (0..7).map(|k| f64::from(u8::from(j == k))).collect())
        .collect();
    let mut from = 7;
    for mask in &masks {
        let to = mask.len() / from;
        paths = paths
            .iter()
            .map(|row| {
                (0..to)
                    .map(|b| {
                        (0..from)
                            .map(|a| row[a] * f64::from(mask[a * to + b]))
                            .sum()
                    })
                    .collect()
            })
            .collect();
        from = to;
    }
    let rank = |c: usize| order.iter().position(|&o| o == c).unwrap();
    for (j, row) in paths.iter().enumerate() {
        for (i, &count) in row.iter().enumerate() {
            assert_eq!(
                count > 0.0,
                rank(j) < rank(i),
                "input {j} → output {i}: {count} paths"
            );
        }
    }
}

/// The direct connections' mask alone: coordinate `j` reaches output `i` exactly when `j`
/// comes before `i` in the order, every context input reaches every output.
#[test]
fn the_direct_mask_connects_each_output_to_the_inputs_before_it_and_the_context() {
    let mut rng = StdRng::seed_from_u64(2);
    let order = AutoregressiveOrder::Random.orders(6, 1, &mut rng).remove(0);
    let (dim, context, per) = (6, 2, 3);
    let shape = MadeShape {
        order: order.clone(),
        context,
        hidden: 8,
        depth: 2,
        per_coordinate: per,
        direct: true,
    };
    let mask = shape.direct_mask();
    assert_eq!(mask.len(), (dim + context) * dim * per);
    let rank = |c: usize| order.iter().position(|&o| o == c).unwrap();
    for input in 0..dim + context {
        for output in 0..dim * per {
            let i = output / per;
            let connected = input >= dim || rank(input) < rank(i);
            assert_eq!(
                mask[input * dim * per + output],
                f32::from(u8::from(connected)),
                "input {input} → output {output}"
            );
        }
    }
}
