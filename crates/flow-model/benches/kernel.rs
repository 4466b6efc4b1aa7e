//! The host kernel of the fused log-density alone, without Burn around it:
//! `cargo bench -p flow-model --bench kernel`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use flow_model::cpu::kernel::{PlanarParams, log_prob, log_prob_grads};

mod common;
use common::values;

fn kernel(c: &mut Criterion) {
    let (dim, layers) = (2, 32);
    let (w, u_hat, b) = (
        values(layers * dim, 1, 1.0),
        values(layers * dim, 2, 0.5),
        values(layers, 3, 1.0),
    );
    let c_values: Vec<f32> = w
        .chunks(dim)
        .zip(u_hat.chunks(dim))
        .map(|(w, u)| w.iter().zip(u).map(|(w, u)| w * u).sum())
        .collect();
    let params = PlanarParams {
        dim,
        w: &w,
        u_hat: &u_hat,
        b: &b,
        c: &c_values,
    };
    let mut group = c.benchmark_group("planar K=32");
    for n in [1024, 40_000] {
        let x = values(n * dim, 4, 4.0);
        let g = vec![1.0 / n as f32; n];
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(format!("log_prob N={n}"), |bench| {
            bench.iter(|| log_prob(black_box(&params), black_box(&x)))
        });
        group.bench_function(format!("log_prob_grads N={n}"), |bench| {
            bench.iter(|| log_prob_grads(black_box(&params), black_box(&x), black_box(&g)))
        });
    }
    group.finish();
}

criterion_group!(benches, kernel);
criterion_main!(benches);
