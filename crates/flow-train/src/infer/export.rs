//! The model's parameters as plain JSON: everything another program needs to recompute
//! `log p(x)` (the schema is in the guide, `docs/src/trained-model.md`).

use burn::tensor::Tensor;
use flow_data::Standardizer;
use flow_model::spline::{MIN_BIN_SIZE, MIN_DERIVATIVE};
use flow_model::{AffineCoupling, Base, Direction, Flow, Made, MaskedAffine, Mlp, Transform};
use serde::{Deserialize, Serialize};

/// The exported flow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportedFlow {
    /// The version of this file's layout (see [`crate::format`]).
    #[serde(default = "crate::format::unversioned")]
    pub format_version: u32,
    /// The data dimension `D`.
    pub dim: usize,
    /// The family (`planar`, `radial`, `realnvp`, `nsf`, `maf`, `nsf-ar`).
    pub flow: String,
    /// The width `C` of the context of a conditional flow `p(x | c)` (0: none).
    #[serde(default)]
    pub context_dim: usize,
    /// The standardisation of the context, `c' = (c − mean) / scale` (no Jacobian term).
    #[serde(default)]
    pub context_standardization: Option<Standardizer>,
    /// The MLP that embeds the (standardised) context, `e = mlp(c')`, if any; every
    /// conditioner and a conditional base then read `e` in place of `c'`.
    #[serde(default)]
    pub context_embedding: Option<ExportedMlp>,
    /// `density`: the transforms map data to the latent space, in order; `generative`: they
    /// map latent points to data.
    pub direction: Direction,
    /// The base distribution of the latent space.
    pub base: ExportedBase,
    /// The standardisation applied to the data before the transforms, if any:
    /// `x' = (x − mean) / scale`, and `log p(x) = log p'(x') − Σ ln scale`.
    pub standardization: Option<Standardizer>,
    /// How to evaluate the density from the fields below.
    pub formula: String,
    /// The transforms in application order.
    pub transforms: Vec<ExportedTransform>,
}

/// The base distribution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ExportedBase {
    /// `N(0, I)`.
    StandardNormal,
    /// `N(loc, diag(exp(log_scale))²)`.
    DiagonalGaussian {
        /// The mean.
        loc: Vec<f32>,
        /// The log standard deviation.
        log_scale: Vec<f32>,
    },
    /// `N(loc(e), diag(exp(log_scale(e)))²)`: `o = net(e)`, `loc = o[:D]`,
    /// `log_scale = L·tanh(o[D:]/L)`, `e` the (embedded) context.
    ConditionalGaussian {
        /// The network of the context.
        net: ExportedMlp,
        /// `L`.
        log_scale_bound: f64,
    },
}

/// One transform, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ExportedTransform {
    /// Planar layers, applied in order.
    Planar {
        /// The layers.
        layers: Vec<PlanarLayer>,
    },
    /// Radial layers, applied in order.
    Radial {
        /// The layers.
        layers: Vec<RadialLayer>,
    },
    /// `y = (x − loc) · exp(−log_scale)`.
    Actnorm {
        /// `μ`.
        loc: Vec<f32>,
        /// `log σ`.
        log_scale: Vec<f32>,
    },
    /// RealNVP affine coupling.
    AffineCoupling {
        /// The coordinates passed through and fed to the conditioner (0-based, in order).
        kept: Vec<usize>,
        /// The coordinates transformed (0-based, in order).
        changed: Vec<usize>,
        /// `L` in `s = L·tanh(ŝ/L)`.
        log_scale_bound: f64,
        /// The conditioner: its first `changed.len()` outputs are `ŝ`, the rest `t`.
        conditioner: ExportedMlp,
    },
    /// Rational-quadratic spline coupling.
    SplineCoupling {
        /// The coordinates passed through and fed to the conditioner.
        kept: Vec<usize>,
        /// The coordinates transformed.
        changed: Vec<usize>,
        /// `K`.
        bins: usize,
        /// `B`: the splines cover `[−B, B]`, identity outside.
        tail_bound: f64,
        /// The minimum share of `2B` of a bin, along x and along y.
        min_bin_size: f64,
        /// The minimum interior derivative.
        min_derivative: f64,
        /// The conditioner: `3K − 1` outputs per changed coordinate, in the order of
        /// `changed`: `K` width logits, `K` height logits, `K − 1` derivative parameters.
        conditioner: ExportedMlp,
    },
    /// Masked affine autoregressive transform (MAF).
    MaskedAffine {
        /// `L` in `s = L·tanh(ŝ/L)`.
        log_scale_bound: f64,
        /// The conditioner: 2 outputs per coordinate (`ŝ_i`, `t_i`).
        made: ExportedMade,
    },
    /// Autoregressive rational-quadratic spline.
    SplineAutoregressive {
        /// `K`.
        bins: usize,
        /// `B`: the splines cover `[−B, B]`, identity outside.
        tail_bound: f64,
        /// The minimum share of `2B` of a bin, along x and along y.
        min_bin_size: f64,
        /// The minimum interior derivative.
        min_derivative: f64,
        /// The conditioner: `3K − 1` outputs per coordinate, as for `spline_coupling`.
        made: ExportedMade,
    },
}

/// A MADE: an MLP over `[z, e]` (the coordinates, then the embedded context) whose weights
/// are multiplied by 0/1 masks, with `per_coordinate` outputs per coordinate (output
/// `i·P + p` is parameter `p` of coordinate `i`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportedMade {
    /// The coordinates (0-based) in the order they are generated: output `i` depends only on
    /// the coordinates before `i` in it.
    pub order: Vec<usize>,
    /// Outputs per coordinate `P`.
    pub per_coordinate: usize,
    /// The layers, whose weights are used as `weight ⊙ mask`.
    pub mlp: ExportedMlp,
    /// The mask of each layer, `[inputs][outputs]` of 0 and 1 like its weight.
    pub masks: Vec<Vec<Vec<f32>>>,
    /// The direct connections, if the MADE has them: `[z, e] · (weight ⊙ mask)` is added to
    /// the MLP's output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direct: Option<ExportedDirect>,
}

/// A MADE's direct connections: a masked linear map, no bias.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportedDirect {
    /// `[inputs][outputs]`.
    pub weight: Vec<Vec<f32>>,
    /// `[inputs][outputs]` of 0 and 1 like the weight.
    pub mask: Vec<Vec<f32>>,
}

/// One planar layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanarLayer {
    /// The raw parameter `u`.
    pub u: Vec<f32>,
    /// The parameter `w`.
    pub w: Vec<f32>,
    /// The bias `b`.
    pub b: f32,
    /// The reparametrised `û` actually used by the map.
    pub u_hat: Vec<f32>,
    /// `wᵀû` as the model computes it (`m(wᵀu) ≥ −1`); use it in the log-determinant.
    pub w_dot_u_hat: f32,
}

/// One radial layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RadialLayer {
    /// The centre `z0`.
    pub z0: Vec<f32>,
    /// `α = softplus(α̂) > 0`.
    pub alpha: f32,
    /// `β = −α + softplus(β̂)`.
    pub beta: f32,
}

/// A multilayer perceptron: `h ← relu(h·W + b)` for every layer but the last, `h·W + b` for
/// the last.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportedMlp {
    /// Always `relu`.
    pub activation: String,
    /// The layers in order.
    pub layers: Vec<ExportedLinear>,
}

/// One linear layer, `y = x · weight + bias`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportedLinear {
    /// `[inputs][outputs]`.
    pub weight: Vec<Vec<f32>>,
    /// `[outputs]`.
    pub bias: Vec<f32>,
}

const FORMULA: &str = "if standardization is given, first x = (x - mean)/scale and add -sum(ln scale) to log p. \
a conditional flow (context_dim > 0) reads a context c: c' = (c - mean)/scale by context_standardization (no term in log p); \
e = context_embedding(c') if given, else c'; every conditioner reads its usual input with e appended after it. \
direction density: z = x; for each transform in order: (z, ld) = transform(z); \
log p(x) = log base(z) + sum of ld. direction generative: invert the transforms in reverse order \
(log p(x) = log base(z) - sum of forward ld at the intermediate points). \
planar layer: a = w.z + b; z += u_hat * tanh(a); ld = log|1 + (1 - tanh(a)^2) * w_dot_u_hat|. \
radial layer: r = |z - z0|; h = 1/(alpha + r); z += beta*h*(z - z0); ld = (D-1) log(1 + beta*h) + log(1 + alpha*beta*h^2). \
actnorm: z = (z - loc) * exp(-log_scale); ld = -sum(log_scale). \
affine_coupling: o = mlp(z[kept]); s = L*tanh(o[:m]/L); t = o[m:]; z[changed] = z[changed]*exp(s) + t; ld = sum(s). \
spline_coupling: o = mlp(z[kept]) viewed as [len(changed), 3K-1]; per changed coordinate x with row p: \
widths = m + (1 - m*K)*softmax(p[:K]); heights likewise from p[K:2K]; knots x_0 = -B, x_k = -B + 2B*cumsum(widths)_k, x_K = B (same for y); \
derivatives d_0 = d_K = 1, d_k = min_derivative + softplus(p[2K-1+k] + ln(e^(1-min_derivative) - 1)); \
inside [-B, B] in bin k: s = dy/dx, xi = (x - x_k)/dx, y = y_k + dy*(s*xi^2 + d_k*xi*(1-xi))/(s + (d_k+1 + d_k - 2s)*xi*(1-xi)), \
ld = log(s^2*(d_k+1*xi^2 + 2s*xi*(1-xi) + d_k*(1-xi)^2)) - 2 log(s + (d_k+1 + d_k - 2s)*xi*(1-xi)); outside: identity, ld = 0. \
masked_affine: o = made([z, e]) with each weight multiplied by its mask (plus [z, e].(direct.weight * direct.mask) where made.direct is present), viewed as [D, 2]; s = L*tanh(o[:,0]/L); t = o[:,1]; z = z*exp(s) + t; ld = sum(s). \
spline_autoregressive: o = made([z, e]) viewed as [D, 3K-1]; every coordinate goes through the spline of spline_coupling with its row of o. \
standard_normal: log base(z) = -|z|^2/2 - D/2 ln(2 pi); diagonal_gaussian: u = (z - loc)*exp(-log_scale), -|u|^2/2 - D/2 ln(2 pi) - sum(log_scale); \
conditional_gaussian: o = net(e), loc = o[:D], log_scale = L*tanh(o[D:]/L), then as diagonal_gaussian.";

/// A tensor's values.
fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().iter::<f32>().collect()
}

/// The rows of a `[R, C]` tensor.
fn rows(t: Tensor<2>) -> Vec<Vec<f32>> {
    let columns = t.dims()[1].max(1);
    values(t).chunks(columns).map(<[f32]>::to_vec).collect()
}

fn base(base: &Base) -> ExportedBase {
    if let Some(net) = &base.net {
        return ExportedBase::ConditionalGaussian {
            net: mlp(net),
            log_scale_bound: Base::CONDITIONAL_LOG_SCALE_BOUND,
        };
    }
    match (&base.loc, &base.log_scale) {
        (Some(loc), Some(log_scale)) => ExportedBase::DiagonalGaussian {
            loc: values(loc.val()),
            log_scale: values(log_scale.val()),
        },
        _ => ExportedBase::StandardNormal,
    }
}

fn made(made: &Made) -> ExportedMade {
    ExportedMade {
        order: made.order.clone(),
        per_coordinate: made.per_coordinate,
        mlp: ExportedMlp {
            activation: "relu".into(),
            layers: made.layers.iter().map(linear).collect(),
        },
        masks: made.masks.iter().map(|m| rows(m.clone())).collect(),
        direct: made.direct.as_ref().map(|direct| ExportedDirect {
            weight: rows(direct.weight.val()),
            mask: rows(direct.mask.clone()),
        }),
    }
}

fn linear(layer: &burn::nn::Linear) -> ExportedLinear {
    ExportedLinear {
        weight: rows(layer.weight.val()),
        bias: layer
            .bias
            .as_ref()
            .map_or_else(Vec::new, |bias| values(bias.val())),
    }
}

fn mlp(mlp: &Mlp) -> ExportedMlp {
    ExportedMlp {
        activation: "relu".into(),
        layers: mlp.layers.iter().map(linear).collect(),
    }
}

fn transform(transform: &Transform) -> ExportedTransform {
    match transform {
        Transform::Planar(planar) => {
            let (u, w, u_hat) = (
                rows(planar.u.val()),
                rows(planar.w.val()),
                rows(planar.u_hat()),
            );
            let (b, c) = (values(planar.b.val()), values(planar.w_dot_u_hat()));
            let layers = (0..planar.layers())
                .map(|k| PlanarLayer {
                    u: u[k].clone(),
                    w: w[k].clone(),
                    b: b[k],
                    u_hat: u_hat[k].clone(),
                    w_dot_u_hat: c[k],
                })
                .collect();
            ExportedTransform::Planar { layers }
        }
        Transform::Radial(radial) => {
            let (alpha, beta) = radial.alpha_beta();
            let (alpha, beta) = (values(alpha), values(beta));
            let layers = rows(radial.z0.val())
                .into_iter()
                .enumerate()
                .map(|(k, z0)| RadialLayer {
                    z0,
                    alpha: alpha[k],
                    beta: beta[k],
                })
                .collect();
            ExportedTransform::Radial { layers }
        }
        Transform::ActNorm(norm) => ExportedTransform::Actnorm {
            loc: values(norm.loc.val()),
            log_scale: values(norm.log_scale.val()),
        },
        Transform::AffineCoupling(coupling) => ExportedTransform::AffineCoupling {
            kept: coupling.split.kept.clone(),
            changed: coupling.split.changed.clone(),
            log_scale_bound: AffineCoupling::LOG_SCALE_BOUND,
            conditioner: mlp(&coupling.conditioner),
        },
        Transform::SplineCoupling(coupling) => ExportedTransform::SplineCoupling {
            kept: coupling.split.kept.clone(),
            changed: coupling.split.changed.clone(),
            bins: coupling.bins,
            tail_bound: coupling.tail_bound,
            min_bin_size: MIN_BIN_SIZE,
            min_derivative: MIN_DERIVATIVE,
            conditioner: mlp(&coupling.conditioner),
        },
        Transform::MaskedAffine(t) => ExportedTransform::MaskedAffine {
            log_scale_bound: MaskedAffine::LOG_SCALE_BOUND,
            made: made(&t.made),
        },
        Transform::SplineAutoregressive(t) => ExportedTransform::SplineAutoregressive {
            bins: t.bins,
            tail_bound: t.tail_bound,
            min_bin_size: MIN_BIN_SIZE,
            min_derivative: MIN_DERIVATIVE,
            made: made(&t.made),
        },
    }
}

/// Reads every parameter of `flow` back from its device; `family` names it, `standardizer`
/// is the standardisation of the rows the model reads (`x`, then the context).
pub fn export(flow: &Flow, family: &str, standardizer: Option<&Standardizer>) -> ExportedFlow {
    let (dim, context) = (flow.dim(), flow.context_dim());
    ExportedFlow {
        format_version: crate::format::FORMAT_VERSION,
        dim,
        flow: family.to_string(),
        context_dim: context,
        context_standardization: standardizer
            .filter(|_| context > 0)
            .map(|s| s.columns(dim, context)),
        context_embedding: flow.embedding.as_ref().map(mlp),
        direction: flow.direction,
        base: base(&flow.base),
        standardization: standardizer.map(|s| s.columns(0, dim)),
        formula: FORMULA.into(),
        transforms: flow.transforms.iter().map(transform).collect(),
    }
}
