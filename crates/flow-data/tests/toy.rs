//! The toy data sets against their definitions: reproducibility, support, component shares,
//! and moments or structure that follow from each definition.

use std::f64::consts::{FRAC_1_SQRT_2, PI};

use flow_data::{
    DatasetKind, Points, TOY_DIM, circles, eight_gaussians, moons, pinwheel, rings, swiss_roll,
    two_spirals,
};

const N: usize = 50_000;

/// The points as `f64` pairs.
fn pairs(p: &Points) -> Vec<[f64; 2]> {
    assert_eq!(p.dim(), TOY_DIM);
    p.iter_rows()
        .map(|r| [f64::from(r[0]), f64::from(r[1])])
        .collect()
}

fn mean(v: impl IntoIterator<Item = f64>) -> f64 {
    let (s, n) = v
        .into_iter()
        .fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    s / n as f64
}

/// Mean and population standard deviation.
fn mean_sd(v: &[f64]) -> (f64, f64) {
    let m = mean(v.iter().copied());
    (m, mean(v.iter().map(|x| (x - m) * (x - m))).sqrt())
}

/// Mean vector and covariance matrix `[[vxx, cxy], [cxy, vyy]]`.
fn moments(x: &[[f64; 2]]) -> ([f64; 2], [[f64; 2]; 2]) {
    let m = [mean(x.iter().map(|p| p[0])), mean(x.iter().map(|p| p[1]))];
    let c = |i: usize, j: usize| mean(x.iter().map(|p| (p[i] - m[i]) * (p[j] - m[j])));
    (m, [[c(0, 0), c(0, 1)], [c(1, 0), c(1, 1)]])
}

fn norm(p: [f64; 2]) -> f64 {
    p[0].hypot(p[1])
}

/// Angle wrapped into `(−π, π]`.
fn wrap(a: f64) -> f64 {
    let w = a.rem_euclid(2.0 * PI);
    if w > PI { w - 2.0 * PI } else { w }
}

fn close(what: &str, got: f64, want: f64, tol: f64) {
    assert!(
        (got - want).abs() <= tol,
        "{what}: got {got}, want {want} ± {tol}"
    );
}

#[test]
fn every_kind_is_reproducible_from_its_seed() {
    for kind in DatasetKind::ALL {
        let a = kind.generate(500, 17);
        assert_eq!((a.len(), a.dim()), (500, kind.dim()), "{kind}");
        assert_eq!(a, kind.generate(500, 17), "{kind}: same seed, same points");
        assert_ne!(
            a.values(),
            kind.generate(500, 18).values(),
            "{kind}: other seed, other points"
        );
        // Points are drawn one after the other: a shorter draw is a prefix.
        assert_eq!(
            kind.generate(100, 17).values(),
            &a.values()[..200],
            "{kind}"
        );
        assert!(kind.generate(0, 1).is_empty());
    }
    assert_eq!(DatasetKind::Circles.generate(300, 4), circles(300, 4));
    assert_eq!(DatasetKind::Rings.generate(300, 4), rings(300, 4));
    assert_eq!(DatasetKind::Moons.generate(300, 4), moons(300, 4));
    assert_eq!(DatasetKind::SwissRoll.generate(300, 4), swiss_roll(300, 4));
    assert_eq!(
        DatasetKind::TwoSpirals.generate(300, 4),
        two_spirals(300, 4)
    );
    assert_eq!(DatasetKind::Pinwheel.generate(300, 4), pinwheel(300, 4));
    assert_eq!(
        DatasetKind::EightGaussians.generate(300, 4),
        eight_gaussians(300, 4)
    );
}

#[test]
fn names_parse_display_and_serialize() {
    let names = [
        "checkerboard",
        "8gaussians",
        "circles",
        "rings",
        "moons",
        "swissroll",
        "2spirals",
        "pinwheel",
    ];
    assert_eq!(DatasetKind::ALL.map(DatasetKind::name), names);
    for (kind, name) in DatasetKind::ALL.into_iter().zip(names) {
        assert_eq!(kind.to_string(), name);
        assert_eq!(name.parse::<DatasetKind>().unwrap(), kind);
        assert_eq!(
            name.to_uppercase().parse::<DatasetKind>().unwrap(),
            kind,
            "case-insensitive"
        );
        let json = serde_json::to_string(&kind).unwrap();
        assert_eq!(json, format!("\"{name}\""));
        assert_eq!(serde_json::from_str::<DatasetKind>(&json).unwrap(), kind);
        assert_eq!(kind.dim(), 2);
    }
    let err = "spiral".parse::<DatasetKind>().unwrap_err().to_string();
    for name in names {
        assert!(err.contains(name), "{err}");
    }
}

#[test]
fn circles_radii_and_shares() {
    let x = pairs(&circles(N, 1));
    let sigma = 0.24; // 3 × 0.08
    let (mut outer, mut inner) = (Vec::new(), Vec::new());
    for &p in &x {
        let r = norm(p);
        assert!(r < 3.0 + 6.0 * sigma, "point {p:?} too far out");
        if r > 2.25 { &mut outer } else { &mut inner }.push(r);
    }
    close(
        "share at radius 3",
        outer.len() as f64 / N as f64,
        0.5,
        0.01,
    );
    // ‖R·u + σε‖ has mean ≈ R + σ²/(2R) and spread ≈ σ.
    for (r, radii) in [(3.0, &outer), (1.5, &inner)] {
        let (m, sd) = mean_sd(radii);
        close(
            &format!("mean radius near {r}"),
            m,
            r + sigma * sigma / (2.0 * r),
            0.01,
        );
        close(&format!("radial sd near {r}"), sd, sigma, 0.01);
    }
    // Uniform angles: quadrants ¼ each, mean ≈ 0.
    let q = x.iter().filter(|p| p[0] > 0.0 && p[1] > 0.0).count();
    close("first quadrant share", q as f64 / N as f64, 0.25, 0.01);
    let (m, _) = moments(&x);
    close("mean x", m[0], 0.0, 0.03);
    close("mean y", m[1], 0.0, 0.03);
}

#[test]
fn rings_radii_and_shares() {
    let x = pairs(&rings(N, 2));
    let sigma = 0.08;
    let radii = [3.0, 2.25, 1.5, 0.75];
    let mut groups: [Vec<f64>; 4] = Default::default();
    for &p in &x {
        let r = norm(p);
        let k = (0..4)
            .min_by(|&a, &b| (r - radii[a]).abs().total_cmp(&(r - radii[b]).abs()))
            .unwrap();
        assert!(
            (r - radii[k]).abs() < 6.0 * sigma,
            "point {p:?} (radius {r}) is off every ring"
        );
        groups[k].push(r);
    }
    for (k, g) in groups.iter().enumerate() {
        let r = radii[k];
        close(
            &format!("share of ring {r}"),
            g.len() as f64 / N as f64,
            0.25,
            0.01,
        );
        let (m, sd) = mean_sd(g);
        close(
            &format!("mean radius of ring {r}"),
            m,
            r + sigma * sigma / (2.0 * r),
            0.005,
        );
        close(&format!("radial sd of ring {r}"), sd, sigma, 0.005);
    }
}

#[test]
fn eight_gaussians_centres_shares_and_spread() {
    let x = pairs(&eight_gaussians(N, 3));
    let d = [
        [1.0, 0.0],
        [-1.0, 0.0],
        [0.0, 1.0],
        [0.0, -1.0],
        [FRAC_1_SQRT_2, FRAC_1_SQRT_2],
        [FRAC_1_SQRT_2, -FRAC_1_SQRT_2],
        [-FRAC_1_SQRT_2, FRAC_1_SQRT_2],
        [-FRAC_1_SQRT_2, -FRAC_1_SQRT_2],
    ];
    let centres = d.map(|[a, b]| [4.0 * a / 1.414, 4.0 * b / 1.414]);
    let mut count = [0usize; 8];
    let mut residuals: [Vec<f64>; 2] = Default::default();
    let mut radial = Vec::with_capacity(N);
    for &p in &x {
        let dist = |c: [f64; 2]| norm([p[0] - c[0], p[1] - c[1]]);
        let k = (0..8)
            .min_by(|&a, &b| dist(centres[a]).total_cmp(&dist(centres[b])))
            .unwrap();
        count[k] += 1;
        residuals[0].push(p[0] - centres[k][0]);
        residuals[1].push(p[1] - centres[k][1]);
        // The offset along the centre's own direction.
        radial.push((p[0] - centres[k][0]) * d[k][0] + (p[1] - centres[k][1]) * d[k][1]);
    }
    let (m, sd) = mean_sd(&radial);
    close("mean radial offset from the centre", m, 0.0, 0.01);
    close("radial spread", sd, 0.5 / 1.414, 0.01);
    // E‖x‖² = (16 + 2·0.25) / 1.414².
    let r2 = mean(x.iter().map(|p| p[0] * p[0] + p[1] * p[1]));
    close("E‖x‖²", r2, 16.5 / (1.414 * 1.414), 0.02);
    for (k, &c) in count.iter().enumerate() {
        close(
            &format!("share of centre {k}"),
            c as f64 / N as f64,
            0.125,
            0.01,
        );
    }
    for r in &residuals {
        let (m, sd) = mean_sd(r);
        close("mean offset from the centre", m, 0.0, 0.01);
        close("spread about the centre", sd, 0.5 / 1.414, 0.01);
    }
}

/// Distance from `p` to the moons' outer arc (centre (−1, −0.2), radius 2, upper half) and
/// inner arc (centre (1, 0.8), radius 2, lower half), after the ×2 and shift.
fn moon_distances(p: [f64; 2]) -> [f64; 2] {
    let arc = |c: [f64; 2], upper: bool| {
        let v = [p[0] - c[0], p[1] - c[1]];
        if (v[1] >= 0.0) == upper {
            (norm(v) - 2.0).abs()
        } else {
            // Nearest end of the arc: c ± (2, 0).
            norm([v[0] - 2.0, v[1]]).min(norm([v[0] + 2.0, v[1]]))
        }
    };
    [arc([-1.0, -0.2], true), arc([1.0, 0.8], false)]
}

#[test]
fn moons_arcs_and_moments() {
    let x = pairs(&moons(N, 4));
    let sigma = 0.2; // 2 × 0.1
    let mut on_outer = 0usize;
    let mut nearest = Vec::with_capacity(N);
    for &p in &x {
        let [outer, inner] = moon_distances(p);
        let d = outer.min(inner);
        assert!(d < 6.0 * sigma, "point {p:?} is {d} from both arcs");
        nearest.push(d);
        on_outer += usize::from(outer < inner);
    }
    close(
        "share of the outer arc",
        on_outer as f64 / N as f64,
        0.5,
        0.015,
    );
    // The distance to a curve under isotropic noise σ is about |N(0, σ²)|: mean σ√(2/π).
    close(
        "mean distance to the arcs",
        mean(nearest.iter().copied()),
        sigma * (2.0 / PI).sqrt(),
        0.01,
    );
    // Before the ×2 and shift: x is a ½–½ mixture of cos θ and 1 − cos θ (θ ~ U[0, π]),
    // y of sin θ and ½ − sin θ, plus N(0, 0.1²). With E cos θ = 0, E sin θ = 2/π,
    // E cos² θ = E sin² θ = ½ and E[cos θ sin θ] = 0:
    //   mean (½, ¼); var x = ½ + ¼ + 0.01; var y = ½ − 4/π² + ¼(4/π − ½)² + 0.01;
    //   cov = ¼·(1 − 0)(½ − 4/π).
    // After: mean 2·(½, ¼) − (1, 0.2) = (0, 0.3), covariance × 4.
    let (m, c) = moments(&x);
    close("mean x", m[0], 0.0, 0.03);
    close("mean y", m[1], 0.3, 0.02);
    close("var x", c[0][0], 4.0 * 0.76, 0.05);
    let var_y = 0.5 - 4.0 / (PI * PI) + 0.25 * (4.0 / PI - 0.5).powi(2) + 0.01;
    close("var y", c[1][1], 4.0 * var_y, 0.03);
    close("cov xy", c[0][1], 4.0 * 0.25 * (0.5 - 4.0 / PI), 0.03);
}

#[test]
fn swiss_roll_follows_its_spiral() {
    let x = pairs(&swiss_roll(N, 5));
    // The noise free curve c(t) = (t cos t, t sin t)/5, t ∈ [1.5π, 4.5π], finely sampled.
    let curve: Vec<[f64; 2]> = (0..=6000)
        .map(|i| {
            let t = 1.5 * PI + 3.0 * PI * f64::from(i) / 6000.0;
            [t * t.cos() / 5.0, t * t.sin() / 5.0]
        })
        .collect();
    let sigma = 0.2;
    let mut distances = Vec::with_capacity(N);
    for &p in x.iter().take(10_000) {
        let d = curve
            .iter()
            .map(|c| (p[0] - c[0]).powi(2) + (p[1] - c[1]).powi(2))
            .fold(f64::INFINITY, f64::min)
            .sqrt();
        assert!(d < 6.0 * sigma, "point {p:?} is {d} from the roll");
        distances.push(d);
    }
    // About |N(0, σ²)| (arms are 2π/5 ≈ 1.26 apart, ≫ σ): mean σ√(2/π) ≈ 0.16.
    close(
        "mean distance to the roll",
        mean(distances.iter().copied()),
        sigma * (2.0 / PI).sqrt(),
        0.01,
    );
    // 5‖x‖ = ‖t·u + ε‖, so E[25‖x‖²] = E[t²] + 2 with E[t²] = (a² + ab + b²)/3 = 9.75π².
    let r2 = mean(x.iter().map(|&p| 25.0 * (p[0] * p[0] + p[1] * p[1])));
    close("E[25‖x‖²]", r2, 9.75 * PI * PI + 2.0, 1.0);
    for &p in &x {
        let t = 5.0 * norm(p);
        assert!(
            (1.5 * PI - 5.0..=4.5 * PI + 5.0).contains(&t),
            "radius·5 = {t} is outside [1.5π, 4.5π] by more than 5 noise σ"
        );
    }
    // The angle of c(t) is t: two thirds of the t range ([1.5π, 2.5π] and [3.5π, 4.5π]) lie in
    // the half plane x > 0. Both ends sit on the y axis and lose some points across it to the
    // noise, so the share is a little lower.
    let right = x.iter().filter(|p| p[0] > 0.0).count() as f64 / N as f64;
    assert!((0.63..0.672).contains(&right), "share with x > 0: {right}");
}

#[test]
fn two_spirals_moments_and_winding() {
    let x = pairs(&two_spirals(N, 6));
    let (m, _) = moments(&x);
    // d and −d equally often: the mean is 0.
    close("mean x", m[0], 0.0, 0.03);
    close("mean y", m[1], 0.0, 0.03);
    // E‖x‖² = E‖d‖²/9 + 0.02 with m = 3π√U (density 2m/(3π)²):
    // E m² = 4.5π², E[m cos m] = −4/(3π), E[m sin m] = 2 − 8/(9π²), E U² = ⅓.
    let ed2 = 4.5 * PI * PI
        + 0.5 * 4.0 / (3.0 * PI)
        + 0.5 * (2.0 - 8.0 / (9.0 * PI * PI))
        + 2.0 * 0.25 / 3.0;
    let r2 = mean(x.iter().map(|p| p[0] * p[0] + p[1] * p[1]));
    close("E‖x‖²", r2, ed2 / 9.0 + 0.02, 0.06);
    for &p in &x {
        assert!(
            norm(p) < PI + 0.3 + 0.6,
            "point {p:?} beyond the spirals' ends"
        );
    }
    // Winding: the spiral d ≈ m·(−cos m, sin m)/3 has polar angle π − m at radius m/3, and −d
    // angle −m: so ψ = angle + 3·radius is near π on one spiral and near 0 on the other.
    let mut near_zero = 0usize;
    let mut near_pi = 0usize;
    let mut outside = 0usize;
    for &p in &x {
        let r = norm(p);
        if r <= 1.0 {
            continue;
        }
        outside += 1;
        let psi = wrap(p[1].atan2(p[0]) + 3.0 * r);
        if psi.abs() < PI / 4.0 {
            near_zero += 1;
        } else if psi.abs() > 3.0 * PI / 4.0 {
            near_pi += 1;
        }
    }
    let (z, q) = (
        near_zero as f64 / outside as f64,
        near_pi as f64 / outside as f64,
    );
    // Uniform angles would give ¼ each; the offsets and the noise leave about 93 % on the arms.
    assert!(
        z + q > 0.9,
        "only {} of the points follow the spirals",
        z + q
    );
    close("share near ψ = 0", z / (z + q), 0.5, 0.015);
}

#[test]
fn pinwheel_arms_radius_and_bend() {
    let x = pairs(&pinwheel(N, 7));
    // E‖x‖² = 4·(E f0² + E f1²) = 4·(1 + 0.09 + 0.01).
    let r2 = mean(x.iter().map(|p| p[0] * p[0] + p[1] * p[1]));
    close("E‖x‖²", r2, 4.4, 0.05);
    let (m, _) = moments(&x);
    close("mean x", m[0], 0.0, 0.03);
    close("mean y", m[1], 0.0, 0.03);
    // x is 2f rotated clockwise by a = 2πk/5 + 0.25·exp(f0), and f ≈ (‖x‖/2, 0): the arm index
    // is recovered as k ≈ (−angle − 0.25·exp(‖x‖/2)) / (2π/5), with a small residual
    // (about atan(f1/f0), mean |·| ≈ 0.08) when the bend is right.
    let step = 2.0 * PI / 5.0;
    let mut count = [0usize; 5];
    let mut residual = Vec::with_capacity(N);
    let mut residual_unbent = Vec::with_capacity(N);
    for &p in &x {
        let rho = norm(p) / 2.0;
        let v = (-p[1].atan2(p[0]) - 0.25 * rho.exp()) / step;
        count[(v.round() as i64).rem_euclid(5) as usize] += 1;
        residual.push(((v - v.round()) * step).abs());
        let u = (-p[1].atan2(p[0]) - 0.25 * 1f64.exp()) / step;
        residual_unbent.push(((u - u.round()) * step).abs());
    }
    for (k, &c) in count.iter().enumerate() {
        close(&format!("share of arm {k}"), c as f64 / N as f64, 0.2, 0.01);
    }
    let bent = mean(residual.iter().copied());
    assert!(bent < 0.12, "mean angular residual {bent}");
    // Without the radius-dependent bend the residual is much larger.
    assert!(mean(residual_unbent.iter().copied()) > 2.0 * bent);
}

#[test]
fn plot_ranges_hold_the_mass() {
    for kind in DatasetKind::ALL {
        let (lo, hi) = kind.plot_range();
        assert!(lo < 0.0 && hi > 0.0 && lo == -hi, "{kind}: ({lo}, {hi})");
        let x = pairs(&kind.generate(20_000, 8));
        let inside = x
            .iter()
            .filter(|p| p.iter().all(|v| (lo..=hi).contains(v)))
            .count();
        assert!(
            inside as f64 >= 0.999 * x.len() as f64,
            "{kind}: only {inside} of {} points in [{lo}, {hi}]²",
            x.len()
        );
        // Not far too wide: the data reach well into the square.
        let reach = x
            .iter()
            .flat_map(|p| p.iter().map(|v| v.abs()))
            .fold(0.0, f64::max);
        assert!(
            reach > 0.6 * hi,
            "{kind}: points reach only {reach} of {hi}"
        );
    }
    assert_eq!(DatasetKind::Checkerboard.plot_range(), (-4.0, 4.0));
}

#[test]
fn ideal_nll_is_consistent_with_the_data() {
    assert_eq!(DatasetKind::Checkerboard.ideal_nll(), 32f64.ln());
    // Against the float64 integration of scripts/ideal_nll.py.
    let reference: serde_json::Value =
        serde_json::from_str(include_str!("data/ideal_nll.json")).unwrap();
    for kind in DatasetKind::ALL {
        let expected = reference["sets"][kind.name()]["ideal_nll"]
            .as_f64()
            .unwrap();
        close(kind.name(), kind.ideal_nll(), expected, 1e-5);
    }
    close("ln 32", DatasetKind::Checkerboard.ideal_nll(), 3.4657, 1e-4);
    for kind in DatasetKind::ALL {
        // No density has more entropy than the Gaussian of the same covariance.
        let (_, c) = moments(&pairs(&kind.generate(N, 9)));
        let det = c[0][0] * c[1][1] - c[0][1] * c[1][0];
        let gaussian = (2.0 * PI * std::f64::consts::E).ln() + 0.5 * det.ln();
        let h = kind.ideal_nll();
        assert!(
            h.is_finite() && h > 2.0 && h < gaussian - 0.2,
            "{kind}: ideal {h}, Gaussian bound {gaussian}"
        );
    }
    // 8gaussians: the exact mixture density, averaged over its own points.
    let s = 0.5 / 1.414;
    let centres: Vec<[f64; 2]> = (0..8)
        .map(|k| {
            let a = [
                0.0,
                PI,
                PI / 2.0,
                -PI / 2.0,
                PI / 4.0,
                -PI / 4.0,
                3.0 * PI / 4.0,
                -3.0 * PI / 4.0,
            ][k];
            [4.0 * f64::cos(a) / 1.414, 4.0 * f64::sin(a) / 1.414]
        })
        .collect();
    let nll = mean(pairs(&eight_gaussians(N, 10)).iter().map(|p| {
        let density: f64 = centres
            .iter()
            .map(|c| {
                let d2 = (p[0] - c[0]).powi(2) + (p[1] - c[1]).powi(2);
                (-d2 / (2.0 * s * s)).exp() / (2.0 * PI * s * s) / 8.0
            })
            .sum();
        -density.ln()
    }));
    close(
        "8gaussians NLL of the true density",
        nll,
        DatasetKind::EightGaussians.ideal_nll(),
        0.02,
    );
}
