//! Unnormalised target densities `p(x) ∝ exp(−U(x))` for variational inference: the four
//! 2-D energies of Rezende & Mohamed (2015, Figure 3) and any function a user supplies.

use std::f64::consts::PI;

use burn::tensor::activation::sigmoid;
use burn::tensor::{Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};

/// An energy `U`, the negative log of an unnormalised density.
pub trait Energy {
    /// The dimension `D` of its points.
    fn dim(&self) -> usize;

    /// `U(x)` per point: `x` is `[N, D]`, the result `[N]`.
    fn energy(&self, x: Tensor<2>) -> Tensor<1>;
}

/// An [`Energy`] from any function of points `[N, D]` to energies `[N]`.
pub struct EnergyFn<F> {
    dim: usize,
    function: F,
}

impl<F: Fn(Tensor<2>) -> Tensor<1>> EnergyFn<F> {
    /// The energy `function` on points of dimension `dim`.
    pub fn new(dim: usize, function: F) -> Self {
        Self { dim, function }
    }
}

impl<F: Fn(Tensor<2>) -> Tensor<1>> Energy for EnergyFn<F> {
    fn dim(&self) -> usize {
        self.dim
    }

    fn energy(&self, x: Tensor<2>) -> Tensor<1> {
        (self.function)(x)
    }
}

/// The four 2-D energies of Rezende & Mohamed (2015). `U2`–`U4` do not decay along `z1`, so
/// `exp(−U)` would have no finite integral: they are confined, as normflows does, by adding
/// `(z1⁴ + z2⁴)/8192`; the names `u2`–`u4` mean the confined forms. `U1` needs nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PaperEnergy {
    /// `½((‖z‖ − 2)/0.4)² − ln(exp(−½((z1 − 2)/0.6)²) + exp(−½((z1 + 2)/0.6)²))`: a ring
    /// with two modes.
    U1,
    /// `½((z2 − w1)/0.4)²`, confined: a sine wave.
    U2,
    /// `−ln(exp(−½((z2 − w1)/0.35)²) + exp(−½((z2 − w1 + w2)/0.35)²))`, confined.
    U3,
    /// `−ln(exp(−½((z2 − w1)/0.4)²) + exp(−½((z2 − w1 + w3)/0.35)²))`, confined.
    U4,
}

impl PaperEnergy {
    /// All four, in order.
    pub const ALL: [Self; 4] = [Self::U1, Self::U2, Self::U3, Self::U4];

    /// The lowercase name (`u1` … `u4`).
    pub fn name(self) -> &'static str {
        match self {
            Self::U1 => "u1",
            Self::U2 => "u2",
            Self::U3 => "u3",
            Self::U4 => "u4",
        }
    }

    /// Whether the confinement term is part of this energy.
    pub fn is_confined(self) -> bool {
        self != Self::U1
    }
}

impl std::fmt::Display for PaperEnergy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for PaperEnergy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|e| e.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("unknown target `{s}` (expected one of: u1, u2, u3, u4)"))
    }
}

/// `−½ (v / σ)²`.
fn log_gaussian_kernel(v: Tensor<1>, sigma: f64) -> Tensor<1> {
    v.div_scalar(sigma).square().mul_scalar(-0.5)
}

/// `ln(e^a + e^b)`, exact for all finite inputs: `max(a, b) + ln(1 + e^{−|a − b|})`.
fn log_add_exp(a: Tensor<1>, b: Tensor<1>) -> Tensor<1> {
    let gap = (a.clone() - b.clone()).abs();
    a.max_pair(b) + gap.neg().exp().log1p()
}

impl Energy for PaperEnergy {
    fn dim(&self) -> usize {
        2
    }

    fn energy(&self, z: Tensor<2>) -> Tensor<1> {
        let n = z.dims()[0];
        let z1: Tensor<1> = z.clone().narrow(1, 0, 1).reshape([n]);
        let z2: Tensor<1> = z.clone().narrow(1, 1, 1).reshape([n]);
        let w1 = z1.clone().mul_scalar(2.0 * PI / 4.0).sin();
        let u = match self {
            Self::U1 => {
                let radius = z.square().sum_dim(1).reshape([n]).sqrt();
                let ring = log_gaussian_kernel(radius.sub_scalar(2.0), 0.4).neg();
                let modes = log_add_exp(
                    log_gaussian_kernel(z1.clone().sub_scalar(2.0), 0.6),
                    log_gaussian_kernel(z1.clone().add_scalar(2.0), 0.6),
                );
                ring - modes
            }
            Self::U2 => log_gaussian_kernel(z2.clone() - w1, 0.4).neg(),
            Self::U3 => {
                let w2 = log_gaussian_kernel(z1.clone().sub_scalar(1.0), 0.6)
                    .exp()
                    .mul_scalar(3.0);
                let gap = z2.clone() - w1;
                log_add_exp(
                    log_gaussian_kernel(gap.clone(), 0.35),
                    log_gaussian_kernel(gap + w2, 0.35),
                )
                .neg()
            }
            Self::U4 => {
                let w3 = sigmoid(z1.clone().sub_scalar(1.0).div_scalar(0.3)).mul_scalar(3.0);
                let gap = z2.clone() - w1;
                log_add_exp(
                    log_gaussian_kernel(gap.clone(), 0.4),
                    log_gaussian_kernel(gap + w3, 0.35),
                )
                .neg()
            }
        };
        if self.is_confined() {
            u + (z1.powi_scalar(4) + z2.powi_scalar(4)).div_scalar(8192.0)
        } else {
            u
        }
    }
}

/// `ln ∫ exp(−U(x)) dx` over the square `[−half_width, half_width]²` by the midpoint rule on
/// `cells × cells` cells, for a 2-D energy: `U` is evaluated on `device` in chunks and the
/// sum is taken in f64 with the largest term factored out. For a smooth integrand that
/// vanishes at the edges the rule converges faster than any power of the cell size.
pub fn grid_log_partition(
    energy: &dyn Energy,
    half_width: f64,
    cells: usize,
    device: &Device,
) -> f64 {
    assert_eq!(
        energy.dim(),
        2,
        "grid_log_partition integrates 2-D energies"
    );
    let step = 2.0 * half_width / cells as f64;
    let coordinate = |i: usize| -half_width + (i as f64 + 0.5) * step;
    let rows_per_chunk = (65_536 / cells).max(1);
    let mut values: Vec<f64> = Vec::with_capacity(cells * cells);
    for first_row in (0..cells).step_by(rows_per_chunk) {
        let rows = rows_per_chunk.min(cells - first_row);
        let points: Vec<f32> = (first_row..first_row + rows)
            .flat_map(|i| {
                (0..cells).flat_map(move |j| [coordinate(i) as f32, coordinate(j) as f32])
            })
            .collect();
        let x = Tensor::<2>::from_data(TensorData::new(points, [rows * cells, 2]), device);
        values.extend(
            energy
                .energy(x)
                .into_data()
                .iter::<f32>()
                .map(|u| -f64::from(u)),
        );
    }
    let largest = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let sum: f64 = values.iter().map(|v| (v - largest).exp()).sum();
    largest + (sum * step * step).ln()
}
