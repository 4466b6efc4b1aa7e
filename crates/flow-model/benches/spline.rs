//! The host kernel of the fused rational-quadratic spline alone, without Burn around it, at
//! the NSF preset's shape (K = 16, B = 4.5, one transformed coordinate per point):
//! `cargo bench -p flow-model --bench spline`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use flow_model::cpu::kernel::spline::{
    Spline, rational_quadratic, rational_quadratic_grads, rational_quadratic_saving,
};
use flow_model::spline::{SplineDirection, SplineShape};

mod common;
use common::values;

fn kernel(c: &mut Criterion) {
    let shape = SplineShape {
        bins: 16,
        tail_bound: 4.5,
    };
    let mut group = c.benchmark_group("spline K=16");
    for direction in [SplineDirection::Forward, SplineDirection::Inverse] {
        let spline = Spline { shape, direction };
        for n in [512, 40_000] {
            let input = values(n, 1, 5.0);
            let params = values(n * shape.params_per_element(), 2, 1.5);
            let grad = values(2 * n, 3, 1.0);
            group.throughput(Throughput::Elements(n as u64));
            group.bench_function(format!("{direction:?} E={n}"), |bench| {
                bench.iter(|| rational_quadratic(&spline, black_box(&input), black_box(&params)))
            });
            group.bench_function(format!("{direction:?} saving E={n}"), |bench| {
                bench.iter(|| {
                    rational_quadratic_saving(&spline, black_box(&input), black_box(&params))
                })
            });
            let (_, saved) = rational_quadratic_saving(&spline, &input, &params);
            group.bench_function(format!("{direction:?} grads E={n}"), |bench| {
                bench.iter(|| rational_quadratic_grads(black_box(&saved), black_box(&grad)))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, kernel);
criterion_main!(benches);
