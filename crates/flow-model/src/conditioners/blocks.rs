//! A masked layer's product as dense blocks. A MADE's hidden units have ascending degrees, so
//! each unit a layer feeds sees a prefix of them, and the product `h · (W ⊙ M)` is a few dense
//! products of a prefix of `h`'s columns by a block of columns of `W ⊙ M`, each written into
//! its columns of the output ([`crate::cpu::kernel::blocked`]). The zeros that fall inside a
//! block are still multiplied; those outside every block are not, which for a triangular mask
//! split in `G` blocks leaves `(G + 1) / 2G` of the dense product's work.

/// At most this many blocks per layer: each block is one more product (and one more slice in
/// the backward pass), and four already leave 5/8 of a triangular mask's work.
pub const MAX_BLOCKS: usize = 4;

/// The fewest outputs a block has when a layer is split: a matrix product of fewer columns
/// runs below the speed of the kernel's register tiles.
pub const MIN_BLOCK_WIDTH: usize = 32;

/// A block of a masked layer: the outputs `start..end`, which see only the first `inputs`
/// inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Block {
    /// The first output of the block.
    pub start: usize,
    /// One past the last output of the block.
    pub end: usize,
    /// How many inputs (a prefix) reach the block's outputs.
    pub inputs: usize,
}

/// The blocks of a layer whose inputs have the ascending degrees `from` and whose outputs
/// have the degrees `to` (in any order): output `j` sees the inputs of degree at most `to[j]`
/// (below it when `strict`), a prefix. The outputs are split into at most [`MAX_BLOCKS`] runs
/// of nearly equal length and at least [`MIN_BLOCK_WIDTH`] outputs (one run when there are
/// fewer), each seeing the longest prefix any of its outputs sees, and
/// neighbours that see the same prefix are merged, so a layer whose outputs all see the same
/// inputs is one block.
///
/// # Panics
/// If `from` does not ascend.
pub fn layer_blocks(from: &[usize], to: &[usize], strict: bool) -> Vec<Block> {
    assert!(
        from.is_sorted(),
        "the input degrees of a blocked layer must ascend"
    );
    let seen = |d: usize| from.partition_point(|&a| if strict { a < d } else { a <= d });
    let count = MAX_BLOCKS.min(to.len() / MIN_BLOCK_WIDTH).max(1);
    let mut blocks: Vec<Block> = Vec::with_capacity(count);
    for g in 0..count {
        let (start, end) = (g * to.len() / count, (g + 1) * to.len() / count);
        let inputs = to[start..end].iter().map(|&d| seen(d)).max().unwrap_or(0);
        match blocks.last_mut() {
            Some(last) if last.inputs == inputs => last.end = end,
            _ => blocks.push(Block { start, end, inputs }),
        }
    }
    blocks
}
