//! MADE's masks: each output depends on exactly the coordinates before it in its order (and
//! on the whole context), read off the autodiff Jacobian; and its blocked products, which
//! must give the dense products' values and gradients.

use burn::tensor::{Device, Tensor};
use flow_model::{AutoregressiveOrder, MAX_BLOCKS, MIN_BLOCK_WIDTH, Made, MadeShape, layer_blocks};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

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

/// Every connection of a layer's mask lies in one of its blocks (the output's block sees the
/// input), the blocks cover the outputs in order, and a triangular layer's blocks cost at
/// most 0.64 of the dense product (5/8 and the rounding of the block edges).
#[test]
fn the_blocks_of_a_layer_hold_every_connection_of_its_mask() {
    let mut rng = StdRng::seed_from_u64(4);
    let ascending = |rng: &mut StdRng, len: usize, top: usize| -> Vec<usize> {
        let mut d: Vec<usize> = (0..len).map(|_| rng.random_range(0..=top)).collect();
        d.sort_unstable();
        d
    };
    for case in 0..200 {
        let (inputs, outputs) = (rng.random_range(1..40), rng.random_range(1..200));
        let from = ascending(&mut rng, inputs, 8);
        // The outputs' degrees in any order (a random order's outputs are not sorted).
        let to = match case % 4 {
            0 | 1 => ascending(&mut rng, outputs, 8),
            _ => (0..outputs).map(|_| rng.random_range(0..=8)).collect(),
        };
        let strict = case % 2 == 1;
        let blocks = layer_blocks(&from, &to, strict);
        assert!(blocks.len() <= MAX_BLOCKS, "case {case}: {blocks:?}");
        assert_eq!(blocks[0].start, 0, "case {case}");
        assert_eq!(blocks.last().unwrap().end, outputs, "case {case}");
        for pair in blocks.windows(2) {
            assert_eq!(pair[0].end, pair[1].start, "case {case}: {blocks:?}");
        }
        for block in &blocks {
            assert!(
                block.start < block.end && block.inputs <= inputs,
                "{block:?}"
            );
            assert!(
                blocks.len() == 1 || block.end - block.start >= MIN_BLOCK_WIDTH,
                "case {case}: a narrow block among several: {blocks:?}"
            );
            for (j, &b) in to.iter().enumerate().take(block.end).skip(block.start) {
                for (i, &a) in from.iter().enumerate() {
                    let connected = if strict { a < b } else { a <= b };
                    assert!(
                        !connected || i < block.inputs,
                        "case {case}: input {i} → output {j} falls outside {block:?}"
                    );
                }
            }
        }
    }
    // A MADE's hidden layer at D = 64, 128 units: degrees 1…63, a triangular mask.
    let shape = MadeShape {
        order: (0..64).collect(),
        context: 0,
        hidden: 128,
        depth: 2,
        per_coordinate: 2,
        direct: false,
    };
    let hidden = shape.hidden_degrees();
    let work: usize = layer_blocks(&hidden, &hidden, false)
        .iter()
        .map(|b| b.inputs * (b.end - b.start))
        .sum();
    assert!(
        work * 100 <= 64 * 128 * 128,
        "the blocks multiply {work} of 16384 weights"
    );
}

/// The blocked products give the dense products' outputs and gradients (for the inputs, the
/// context and every parameter) within 1e-5 of each part's largest entry, for the dimensions of the mask test, both
/// orders, with and without a context and direct connections.
#[test]
fn the_blocked_made_matches_the_dense_made_in_values_and_gradients() {
    let device = Device::flex().autodiff();
    for dim in [1, 2, 5, 13, 64] {
        for order in [AutoregressiveOrder::Alternate, AutoregressiveOrder::Random] {
            for (context, direct) in [(0, false), (3, false), (0, true), (3, true)] {
                if dim == 1 && context == 0 {
                    continue;
                }
                let mut rng = StdRng::seed_from_u64(10 + dim as u64);
                let orders = order.orders(dim, 2, &mut rng);
                let shape = MadeShape {
                    order: orders[1].clone(),
                    context,
                    hidden: 2 * dim + 9,
                    depth: 2,
                    per_coordinate: 3,
                    direct,
                };
                let made = perturbed(Made::new(&shape, &mut rng, &device).unwrap(), 0.5, 7);
                let what = format!("D = {dim}, {order:?}, context {context}, direct {direct}");
                let x = uniform(50 * dim, 2.0, 8);
                let c = uniform(50 * context, 2.0, 9);
                let weights = uniform(50 * dim * 3, 1.0, 10);
                let run = |blocked: bool| -> Vec<Vec<f64>> {
                    let x = matrix(&x, dim, &device).require_grad();
                    let c = (context > 0).then(|| matrix(&c, context, &device).require_grad());
                    let out = if blocked {
                        made.forward_blocked(x.clone(), c.as_ref())
                    } else {
                        made.forward_dense(x.clone(), c.as_ref())
                    };
                    let w: Tensor<3> = matrix(&weights, dim * 3, &device).reshape([50, dim, 3]);
                    let grads = (out.clone() * w).sum().backward();
                    let mut all = vec![floats(out), floats(x.grad(&grads).unwrap())];
                    if let Some(c) = c {
                        all.push(floats(c.grad(&grads).unwrap()));
                    }
                    for layer in &made.layers {
                        all.push(floats(layer.weight.val().grad(&grads).unwrap()));
                        let bias = layer.bias.as_ref().unwrap().val();
                        all.push(floats(bias.grad(&grads).unwrap()));
                    }
                    if let Some(direct) = &made.direct {
                        all.push(floats(direct.weight.val().grad(&grads).unwrap()));
                    }
                    all
                };
                let (blocked, dense) = (run(true), run(false));
                for (k, (b, d)) in blocked.iter().zip(&dense).enumerate() {
                    assert_eq!(b.len(), d.len(), "{what}: part {k}");
                    // Relative to the part's largest entry: the products sum in another order.
                    let scale = d.iter().fold(1.0f64, |m, v| m.max(v.abs()));
                    for (i, (u, v)) in b.iter().zip(d).enumerate() {
                        assert!(
                            (u - v).abs() <= 1e-5 * scale,
                            "{what}: part {k}[{i}]: blocked {u}, dense {v}"
                        );
                    }
                }
            }
        }
    }
}
