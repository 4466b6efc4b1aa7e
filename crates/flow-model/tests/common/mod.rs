//! Helpers shared by the integration tests of flow-model.
#![allow(dead_code)]

use burn::tensor::{Device, Tensor, TensorData};
use flow_model::{BaseKind, Bijection, Direction, Flow, Planar, Transform};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// A tensor's values as f64.
pub fn floats<const D: usize>(t: Tensor<D>) -> Vec<f64> {
    t.into_data().iter::<f32>().map(f64::from).collect()
}

/// Row-major values as an `[n, dim]` tensor.
pub fn matrix(values: &[f32], dim: usize, device: &Device) -> Tensor<2> {
    Tensor::from_data(
        TensorData::new(values.to_vec(), [values.len() / dim, dim]),
        device,
    )
}

/// `n · dim` values from `U(−bound, bound)`, from `seed`.
pub fn uniform(count: usize, bound: f32, seed: u64) -> Vec<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..count)
        .map(|_| rng.random_range(-bound..bound))
        .collect()
}

/// A density-estimation flow over `N(0, I)` made of one planar transform.
pub fn planar_flow(planar: Planar) -> Flow {
    let (dim, device) = (planar.dim(), planar.u.device());
    Flow::from_transforms(dim, vec![Transform::Planar(planar)], &device)
}

/// A 2-D planar flow whose four layers take each branch of the reparametrisation `u ↦ û`:
/// `w = 0` (û = u, c = max(wᵀu, −1)), `wᵀu` well below zero, well above zero, and near zero.
pub fn reparametrisation_branches(device: &Device) -> Flow {
    let u = [0.7, -0.4, -2.5, 1.0, 3.0, 2.0, 0.3, 0.9];
    let w = [0.0, 0.0, 0.8, -0.3, 0.5, 0.6, -1.1, 0.2];
    planar_flow(Planar::from_values(
        2,
        &u,
        &w,
        &[0.1, -0.2, 0.3, 0.05],
        device,
    ))
}

/// The log-densities, and the gradients of `Σ g log p(x)` with respect to every parameter
/// and to `x`.
pub struct ValuesAndGradients {
    pub log_p: Vec<f64>,
    pub params: Vec<f64>,
    pub points: Vec<f64>,
}

pub fn values_and_gradients(
    flow: &Flow,
    x: Tensor<2>,
    g: Tensor<1>,
    fused: bool,
) -> ValuesAndGradients {
    let x = x.require_grad();
    let log_p = if fused {
        flow.log_prob(x.clone())
    } else {
        flow.log_prob_tensor_ops(x.clone())
    };
    let values = floats(log_p.clone().detach());
    let grads = (log_p * g).sum().backward();
    let planar = planar_of(flow);
    let gradient = "a parameter gradient";
    let mut params = floats(planar.u.val().grad(&grads).expect(gradient));
    params.extend(floats(planar.w.val().grad(&grads).expect(gradient)));
    params.extend(floats(planar.b.val().grad(&grads).expect(gradient)));
    let points = floats(x.grad(&grads).expect("a gradient for the points"));
    ValuesAndGradients {
        log_p: values,
        params,
        points,
    }
}

/// Values per point within 1e-5 of `reference`, gradients normwise (those of the parameters
/// only if `params`).
pub fn assert_same(
    what: &str,
    a: &ValuesAndGradients,
    reference: &ValuesAndGradients,
    params: bool,
) {
    assert_all_close(
        &format!("log p, {what}"),
        &a.log_p,
        &reference.log_p,
        1e-5,
        false,
    );
    if params {
        assert_all_close(
            &format!("∂/∂θ, {what}"),
            &a.params,
            &reference.params,
            1e-5,
            true,
        );
    }
    assert_all_close(
        &format!("∂/∂x, {what}"),
        &a.points,
        &reference.points,
        1e-5,
        true,
    );
}

/// The planar map's outputs and the gradients (for the points, then `u`, `w`, `b`) of
/// `Σ g_z · z + Σ g_ld · log|det J|`.
pub fn map_outputs_and_gradients(
    flow: &Flow,
    x: Tensor<2>,
    g_z: Tensor<2>,
    g_ld: Tensor<1>,
    fused: bool,
) -> [Vec<f64>; 4] {
    let planar = planar_of(flow);
    let x = x.require_grad();
    let (z, log_det) = if fused {
        planar.forward(x.clone())
    } else {
        planar.forward_tensor_ops(x.clone())
    };
    let outputs = (floats(z.clone().detach()), floats(log_det.clone().detach()));
    let grads = ((z * g_z).sum() + (log_det * g_ld).sum()).backward();
    let gradient = "a gradient";
    let mut params = floats(planar.u.val().grad(&grads).expect(gradient));
    params.extend(floats(planar.w.val().grad(&grads).expect(gradient)));
    params.extend(floats(planar.b.val().grad(&grads).expect(gradient)));
    [
        outputs.0,
        outputs.1,
        floats(x.grad(&grads).expect(gradient)),
        params,
    ]
}

/// The planar transform of a flow made of one.
pub fn planar_of(flow: &Flow) -> &Planar {
    match flow.transforms.as_slice() {
        [Transform::Planar(planar)] => planar,
        _ => panic!("not a planar flow"),
    }
}

/// Fails unless every entry of `a` is within `rel` of the entry of `b`, relative to that
/// entry, or to the largest entry of `b` when `normwise` (as for gradients, whose entries are
/// sums over many points that may cancel).
pub fn assert_all_close(what: &str, a: &[f64], b: &[f64], rel: f64, normwise: bool) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    let largest = b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        let scale = if normwise { largest } else { y.abs() }.max(1e-6);
        assert!(
            (x - y).abs() <= rel * scale,
            "{what}[{i}]: {x} vs {y} (largest {largest})"
        );
    }
}

/// `|a − b| ≤ rel · max(|b|, floor)`: relative, with an absolute floor for values near 0.
pub fn assert_close(what: &str, actual: f64, expected: f64, rel: f64, floor: f64) {
    let tolerance = rel * expected.abs().max(floor);
    assert!(
        (actual - expected).abs() <= tolerance,
        "{what}: got {actual}, expected {expected} (tolerance {tolerance})"
    );
}

/// `log|det A|` of a square row-major matrix by Gaussian elimination with partial pivoting.
pub fn log_abs_det(mut a: Vec<f64>, n: usize) -> f64 {
    let mut log_det = 0.0;
    for col in 0..n {
        let pivot = (col..n)
            .max_by(|&i, &j| a[i * n + col].abs().total_cmp(&a[j * n + col].abs()))
            .unwrap();
        for k in 0..n {
            a.swap(col * n + k, pivot * n + k);
        }
        let p = a[col * n + col];
        log_det += p.abs().ln();
        for row in col + 1..n {
            let factor = a[row * n + col] / p;
            for k in col..n {
                a[row * n + k] -= factor * a[col * n + k];
            }
        }
    }
    log_det
}

/// Adds `U(−scale, scale)` noise, drawn from `seed`, to every float parameter of a module.
pub fn perturbed<M: burn::module::Module>(module: M, scale: f32, seed: u64) -> M {
    struct Noise {
        rng: StdRng,
        scale: f32,
    }
    impl burn::module::ModuleMapper for Noise {
        fn map_float<const D: usize>(
            &mut self,
            param: burn::module::Param<Tensor<D>>,
        ) -> burn::module::Param<Tensor<D>> {
            let (rng, scale) = (&mut self.rng, self.scale);
            param.map(|t| {
                let shape = t.shape();
                let noise: Vec<f32> = (0..shape.num_elements())
                    .map(|_| rng.random_range(-scale..scale))
                    .collect();
                let (device, tracked) = (t.device(), t.is_require_grad());
                let noise = Tensor::from_data(TensorData::new(noise, shape), &device);
                (t + noise).detach().set_require_grad(tracked)
            })
        }
    }
    module.map(&mut Noise {
        rng: StdRng::seed_from_u64(seed),
        scale,
    })
}

/// Small flows of every family in `dim` dimensions (couplings only for `dim ≥ 2`), named.
pub fn small_families(dim: usize) -> Vec<(&'static str, flow_model::FlowFamily)> {
    use flow_model::{CouplingConfig, NsfConfig, PlanarConfig, RadialConfig, RealNvpConfig};
    let coupling = CouplingConfig::new(4).with_hidden(16).with_depth(2);
    let mut families = vec![
        (
            "planar",
            PlanarConfig::new(8).with_init_bound(Some(1.0)).into(),
        ),
        ("radial", RadialConfig::new(6).into()),
    ];
    if dim >= 2 {
        families.push(("realnvp", RealNvpConfig::new(coupling.clone()).into()));
        families.push((
            "nsf",
            NsfConfig::new(coupling)
                .with_bins(6)
                .with_tail_bound(3.0)
                .into(),
        ));
        families.extend(autoregressive_families());
    }
    families
}

/// Small autoregressive flows (MAF, autoregressive splines), named.
pub fn autoregressive_families() -> Vec<(&'static str, flow_model::FlowFamily)> {
    use flow_model::{AutoregressiveConfig, AutoregressiveOrder, MafConfig, NsfArConfig};
    let made = AutoregressiveConfig::new(3).with_hidden(16).with_depth(2);
    vec![
        ("maf", MafConfig::new(made.clone()).into()),
        (
            "nsf-ar",
            NsfArConfig::new(made.with_order(AutoregressiveOrder::Random))
                .with_bins(6)
                .with_tail_bound(3.0)
                .into(),
        ),
    ]
}

/// Small conditional flows in `dim` dimensions with a context of width `context`: every
/// family that takes one, then variants with a context embedding and a conditional base.
pub fn conditional_configs(dim: usize, context: usize) -> Vec<(String, flow_model::FlowConfig)> {
    use flow_model::{CouplingConfig, FlowConfig, NsfConfig, RealNvpConfig};
    let coupling = CouplingConfig::new(4).with_hidden(16).with_depth(2);
    let mut families: Vec<(&str, flow_model::FlowFamily)> = Vec::new();
    if dim >= 2 {
        families.push(("realnvp", RealNvpConfig::new(coupling.clone()).into()));
        families.push((
            "nsf",
            NsfConfig::new(coupling)
                .with_bins(6)
                .with_tail_bound(3.0)
                .into(),
        ));
    }
    families.extend(autoregressive_families());
    let mut configs: Vec<(String, FlowConfig)> = families
        .iter()
        .map(|(name, family)| {
            let config = FlowConfig::new(dim, family.clone()).with_context(context);
            (name.to_string(), config)
        })
        .collect();
    for (name, family) in families
        .into_iter()
        .filter(|(n, _)| n.contains("maf") || *n == "nsf")
    {
        let config = FlowConfig::new(dim, family)
            .with_context(context)
            .with_context_embedding(vec![8, 5])
            .with_base(BaseKind::ConditionalGaussian);
        configs.push((format!("{name} + embedding + conditional base"), config));
    }
    configs
}

/// A conditional flow of `config` with every parameter perturbed (its transforms start as
/// the identity), ActNorm left at its initial values.
pub fn random_conditional_flow(
    config: &flow_model::FlowConfig,
    seed: u64,
    device: &Device,
) -> Flow {
    let flow = config.clone().with_seed(seed).init(device).unwrap();
    perturbed(flow, 0.3, seed + 1000)
}

/// A flow of `family` with every parameter perturbed away from its initial value (coupling
/// transforms start as the identity), so that tests exercise non-trivial maps.
pub fn random_flow(
    dim: usize,
    family: flow_model::FlowFamily,
    direction: Direction,
    base: BaseKind,
    seed: u64,
    device: &Device,
) -> Flow {
    let flow = flow_model::FlowConfig::new(dim, family)
        .with_direction(direction)
        .with_base(base)
        .with_seed(seed)
        .init(device)
        .unwrap();
    perturbed(flow, 0.3, seed + 1000)
}

/// Visits a module's float parameters and fails on a non-finite gradient; counts those that
/// have one.
pub struct GradientCheck<'a> {
    /// The gradients of a backward pass.
    pub grads: &'a burn::tensor::Gradients,
    /// What is checked, for messages.
    pub what: &'a str,
    /// The number of parameters with a gradient.
    pub count: &'a mut usize,
}

impl burn::module::ModuleVisitor for GradientCheck<'_> {
    fn visit_float<const D: usize>(&mut self, param: &burn::module::Param<Tensor<D>>) {
        if let Some(grad) = param.val().grad(self.grads) {
            *self.count += 1;
            for g in floats(grad) {
                assert!(g.is_finite(), "{}: gradient {g}", self.what);
            }
        }
    }
}
