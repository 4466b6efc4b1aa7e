//! A MADE layer `act(h · W + b)` computed block by block on the host ([`forward`]), with its
//! gradient ([`backward`]): each block of the layer ([`Block`]) is one dense product of a
//! prefix of `h`'s columns by a block of `W`'s columns, by the `gemm` crate, written straight
//! into its columns of the output; the weights outside every block are taken to be zero and
//! get no gradient (the mask that makes them zero has none to pass on).

use crate::conditioners::blocks::Block;

/// A blocked layer: its blocks and whether a ReLU follows the product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockedLayer {
    /// The blocks, covering the outputs in order.
    pub blocks: Vec<Block>,
    /// Whether the layer ends with a ReLU.
    pub relu: bool,
}

/// The sizes of a layer's product: `N` rows, `I` inputs, `O` outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizes {
    /// The rows (points) `N`.
    pub rows: usize,
    /// The inputs `I`.
    pub inputs: usize,
    /// The outputs `O`.
    pub outputs: usize,
}

/// The gradient of a layer with respect to its input, weight and bias.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockedGrads {
    /// With respect to `h`, `[N, I]`.
    pub input: Vec<f32>,
    /// With respect to `W`, `[I, O]`: zero outside the blocks.
    pub weight: Vec<f32>,
    /// With respect to `b`, `[O]`.
    pub bias: Vec<f32>,
}

/// A matrix inside a slice: the element `(r, c)` is `data[offset + r·row + c·column]`.
#[derive(Debug, Clone, Copy)]
struct View {
    offset: usize,
    rows: usize,
    columns: usize,
    row: usize,
    column: usize,
}

impl View {
    /// The row-major block of `rows × columns` elements from `offset`, rows `row` apart.
    fn rows(offset: usize, rows: usize, columns: usize, row: usize) -> Self {
        Self {
            offset,
            rows,
            columns,
            row,
            column: 1,
        }
    }

    /// The same elements, transposed.
    fn t(self) -> Self {
        Self {
            rows: self.columns,
            columns: self.rows,
            row: self.column,
            column: self.row,
            ..self
        }
    }

    /// Checks that every element of the view lies in a slice of `len` elements.
    fn check(&self, len: usize, what: &str) {
        if self.rows > 0 && self.columns > 0 {
            let last = self.offset + (self.rows - 1) * self.row + (self.columns - 1) * self.column;
            assert!(last < len, "the {what} view reaches {last}, past {len}");
        }
    }
}

/// `dst ← lhs · rhs`, or `dst ← dst + lhs · rhs` when `accumulate`; the views' shapes must
/// agree (`[m, k] · [k, n] → [m, n]`) and lie in their slices.
fn product(dst: (&mut [f32], View), lhs: (&[f32], View), rhs: (&[f32], View), accumulate: bool) {
    let ((dst, d), (lhs, l), (rhs, r)) = (dst, lhs, rhs);
    assert!(
        l.rows == d.rows && r.columns == d.columns && l.columns == r.rows,
        "the views of a product disagree: {l:?} · {r:?} → {d:?}"
    );
    d.check(dst.len(), "output");
    l.check(lhs.len(), "left");
    r.check(rhs.len(), "right");
    if d.rows == 0 || d.columns == 0 {
        return;
    }
    if l.columns == 0 {
        if !accumulate {
            for i in 0..d.rows {
                for j in 0..d.columns {
                    dst[d.offset + i * d.row + j * d.column] = 0.0;
                }
            }
        }
        return;
    }
    let stride = |s: usize| s as isize;
    // SAFETY: every element the product reads or writes lies in its slice (checked above);
    // `dst` is borrowed mutably, so it overlaps neither `lhs` nor `rhs`.
    unsafe {
        gemm::gemm(
            d.rows,
            d.columns,
            l.columns,
            dst.as_mut_ptr().add(d.offset),
            stride(d.column),
            stride(d.row),
            accumulate,
            lhs.as_ptr().add(l.offset),
            stride(l.column),
            stride(l.row),
            rhs.as_ptr().add(r.offset),
            stride(r.column),
            stride(r.row),
            1.0,
            1.0,
            false,
            false,
            false,
            parallelism(d.rows * d.columns * l.columns),
        );
    }
}

/// Threads for a product of `work` multiply-adds: all cores from 192³ on, as Burn's Flex
/// backend does for its own products.
fn parallelism(work: usize) -> gemm::Parallelism {
    if work >= 192 * 192 * 192 {
        gemm::Parallelism::Rayon(0)
    } else {
        gemm::Parallelism::None
    }
}

/// `act(h · W + b)`: `h` `[N, I]`, `weight` `[I, O]` (zero outside the blocks), `bias`
/// `[O]`; returns `[N, O]`.
///
/// # Panics
/// If the lengths do not match `sizes`, or the blocks do not cover the outputs.
pub fn forward(
    layer: &BlockedLayer,
    sizes: Sizes,
    h: &[f32],
    weight: &[f32],
    bias: &[f32],
) -> Vec<f32> {
    let Sizes { rows, outputs, .. } = sizes;
    check(layer, sizes, h, weight, bias);
    let mut out = vec![0.0; rows * outputs];
    for block in &layer.blocks {
        let (prefix, columns, weights) = block_views(block, sizes);
        product((&mut out, columns), (h, prefix), (weight, weights), false);
    }
    for row in out.chunks_exact_mut(outputs) {
        for (v, b) in row.iter_mut().zip(bias) {
            *v += b;
            if layer.relu {
                *v = v.max(0.0);
            }
        }
    }
    out
}

/// The gradient of `Σ grad · forward(h, W, b)`: `out` is what [`forward`] returned (for the
/// ReLU's gradient), `grad` `[N, O]`.
///
/// # Panics
/// If the lengths do not match `sizes`.
pub fn backward(
    layer: &BlockedLayer,
    sizes: Sizes,
    h: &[f32],
    weight: &[f32],
    out: &[f32],
    grad: &[f32],
) -> BlockedGrads {
    let Sizes {
        rows,
        inputs,
        outputs,
    } = sizes;
    assert!(
        out.len() == rows * outputs && grad.len() == rows * outputs,
        "the output and its gradient must be [N, O]"
    );
    // The gradient before the ReLU.
    let masked: Vec<f32>;
    let grad = if layer.relu {
        masked = grad
            .iter()
            .zip(out)
            .map(|(&g, &o)| if o > 0.0 { g } else { 0.0 })
            .collect();
        &masked[..]
    } else {
        grad
    };
    let mut grads = BlockedGrads {
        input: vec![0.0; rows * inputs],
        weight: vec![0.0; inputs * outputs],
        bias: vec![0.0; outputs],
    };
    for row in grad.chunks_exact(outputs) {
        for (b, g) in grads.bias.iter_mut().zip(row) {
            *b += g;
        }
    }
    for block in &layer.blocks {
        let (prefix, columns, weights) = block_views(block, sizes);
        // ∂h[:, :I_b] += g_b · W_bᵀ
        let input = (&mut grads.input[..], prefix);
        product(input, (grad, columns), (weight, weights.t()), true);
        // ∂W_b = h[:, :I_b]ᵀ · g_b
        let weight_grad = (&mut grads.weight[..], weights);
        product(weight_grad, (h, prefix.t()), (grad, columns), false);
    }
    grads
}

/// The views of `block` in a layer of `sizes`: the prefix of the input it reads (`[N, I_b]`
/// in `h`), its columns of the output (`[N, O_b]`), and its block of the weight
/// (`[I_b, O_b]`).
fn block_views(block: &Block, sizes: Sizes) -> (View, View, View) {
    let Sizes {
        rows,
        inputs,
        outputs,
    } = sizes;
    let width = block.end - block.start;
    (
        View::rows(0, rows, block.inputs, inputs),
        View::rows(block.start, rows, width, outputs),
        View::rows(block.start, block.inputs, width, outputs),
    )
}

/// Checks the lengths of a layer's operands and that its blocks cover `0..O` in order.
fn check(layer: &BlockedLayer, sizes: Sizes, h: &[f32], weight: &[f32], bias: &[f32]) {
    let Sizes {
        rows,
        inputs,
        outputs,
    } = sizes;
    assert!(
        h.len() == rows * inputs && weight.len() == inputs * outputs && bias.len() == outputs,
        "a blocked layer needs h [N, I], W [I, O] and b [O] for {sizes:?}"
    );
    let mut next = 0;
    for block in &layer.blocks {
        assert!(
            block.start == next && block.end > block.start && block.inputs <= inputs,
            "the blocks {:?} do not cover {outputs} outputs of {inputs} inputs in order",
            layer.blocks
        );
        next = block.end;
    }
    assert_eq!(
        next, outputs,
        "the blocks {:?} do not cover {outputs} outputs",
        layer.blocks
    );
}
