//! A user's simulator program (`sh -c COMMAND`, CSV in and out) and the priors that feed it:
//! rows kept in order whatever the number of jobs, failed simulations dropped and counted,
//! every way a program can break named by batch and row, and the priors' moments.

use flow_data::{DataError, DiagonalGaussian, Points, Prior, PriorBox, Program, Simulations};

/// `n` parameter vectors of width `k` with known values: row `i` is `(i, i/2, …)`.
fn theta(n: usize, k: usize) -> Points {
    let values = (0..n)
        .flat_map(|i| (0..k).map(move |j| i as f32 / (j + 1) as f32))
        .collect();
    Points::new(k, values).unwrap()
}

/// Runs `command` on `theta`, keeping what each batch delivers.
fn run(
    command: &str,
    batch: usize,
    jobs: usize,
    theta: &Points,
) -> (Result<flow_data::ProgramRun, DataError>, Vec<Simulations>) {
    let program = Program::new(command, batch, jobs).unwrap();
    let mut delivered = Vec::new();
    let result = program.run(theta, |b: &Simulations| {
        delivered.push(b.clone());
        Ok::<(), DataError>(())
    });
    (result, delivered)
}

fn message(result: Result<flow_data::ProgramRun, DataError>) -> String {
    result.unwrap_err().to_string()
}

#[test]
fn a_program_simulates_every_row_in_order_whatever_the_jobs() {
    // x = (θ1 + θ2, 2·θ1), after a header line the protocol allows.
    let command = "awk -F, 'NR == 1 { print \"x1,x2\" } NR > 1 { print $1 + $2 \",\" 2 * $1 }'";
    let theta = theta(53, 2);
    for (batch, jobs) in [(1000, 1), (7, 1), (7, 3), (5, 8)] {
        let (result, delivered) = run(command, batch, jobs, &theta);
        let run = result.unwrap();
        assert_eq!(run.batches, 53_usize.div_ceil(batch));
        assert_eq!(run.dropped, 0);
        assert_eq!(delivered.len(), run.batches);
        let simulations = &run.simulations;
        assert_eq!((simulations.theta_dim(), simulations.x_dim()), (2, 2));
        assert_eq!(simulations.len(), 53);
        for i in 0..53 {
            let row = simulations.points().row(i);
            assert_eq!(
                &row[..2],
                theta.row(i),
                "batch {batch}, jobs {jobs}, row {i}"
            );
            approx::assert_relative_eq!(row[2], row[0] + row[1], max_relative = 1e-5);
            approx::assert_relative_eq!(row[3], 2.0 * row[0], max_relative = 1e-5);
        }
        // The batches arrive in order and together make the run.
        let joined: Vec<f32> = delivered
            .iter()
            .flat_map(|b| b.points().values().to_vec())
            .collect();
        assert_eq!(joined, simulations.points().values());
    }
}

#[test]
fn failed_simulations_are_dropped_and_counted() {
    // Every third row (θ = 0, 3, 6, 9) fails with NaN, one more (θ = 4) with an infinity.
    let command = "awk -F, 'NR > 1 { if ($1 % 3 == 0) print \"nan\"; \
                   else if ($1 == 4) print \"-inf\"; else print $1 }'";
    let (result, _) = run(command, 4, 2, &theta(12, 1));
    let run = result.unwrap();
    assert_eq!(run.dropped, 5);
    let kept: Vec<f32> = run.simulations.points().iter_rows().map(|r| r[0]).collect();
    assert_eq!(kept, [1.0, 2.0, 5.0, 7.0, 8.0, 10.0, 11.0]);
    let (all_nan, _) = run_all_nan();
    assert!(message(all_nan).contains("all 3 simulations gave a NaN"));
}

fn run_all_nan() -> (Result<flow_data::ProgramRun, DataError>, Vec<Simulations>) {
    run("awk 'NR > 1 { print \"NaN,1\" }'", 10, 1, &theta(3, 1))
}

#[test]
fn a_program_that_fails_is_named_by_batch_and_the_batches_before_it_are_kept() {
    // The third batch (θ1 ≥ 10) makes the program exit with status 3.
    let command = "awk -F, 'NR > 1 { if ($1 >= 10) exit 3; print $1 }'";
    let (result, delivered) = run(command, 5, 1, &theta(20, 1));
    let text = message(result);
    assert!(
        text.contains("batch 3 (simulations 11–15)") && text.contains("exited with status 3"),
        "{text}"
    );
    assert_eq!(delivered.len(), 2);
    assert_eq!(delivered.iter().map(Simulations::len).sum::<usize>(), 10);
    // With several jobs, no batch after the failing one is kept either.
    let (_, delivered) = run(command, 5, 4, &theta(20, 1));
    assert_eq!(delivered.len(), 2);
}

#[test]
fn every_malformed_output_is_named_by_batch_and_row() {
    let theta = theta(6, 1);
    let cases = [
        (
            "awk 'NR > 1 && NR < 4 { print 1 }'",
            "wrote 2 rows of x for the 6",
        ),
        ("cat > /dev/null", "wrote 0 rows of x for the 6"),
        (
            "awk 'NR > 1 { print (NR == 4 ? \"1,abc\" : \"1,2\") }'",
            "row 3 of its output: `abc` in column 2 is not a number",
        ),
        (
            "awk 'NR > 1 { print (NR == 5 ? \"1\" : \"1,2\") }'",
            "row 4 of its output has 1 values, its first row 2",
        ),
        ("exit 1", "the program exited with status 1"),
    ];
    for (command, expected) in cases {
        let text = message(run(command, 10, 1, &theta).0);
        assert!(
            text.starts_with("simulator program: batch 1 (simulations 1–6)")
                && text.contains(expected),
            "{command}: {text}"
        );
        assert!(!text.contains('\n'), "{text}");
    }
    // Batches whose x differ in width.
    let text = message(
        run(
            "awk -F, 'NR > 1 { print ($1 < 3 ? \"1\" : \"1,2\") }'",
            3,
            1,
            &theta,
        )
        .0,
    );
    assert!(
        text.contains("batch 2 (simulations 4–6): its rows have 2 values, those of batch 1 had 1"),
        "{text}"
    );
}

#[test]
fn a_program_that_ignores_its_input_is_judged_by_its_output() {
    // Enough rows that the program exits long before reading them all (a broken pipe).
    let (result, _) = run("echo 1", 50_000, 1, &theta(1, 1));
    assert_eq!(result.unwrap().simulations.len(), 1);
    let text = message(run("echo 1", 50_000, 1, &theta(50_000, 1)).0);
    assert!(text.contains("wrote 1 rows of x for the 50000"), "{text}");
}

#[test]
fn programs_and_priors_are_checked() {
    for (command, batch, jobs, expected) in [
        ("  ", 1, 1, "the command is empty"),
        ("cat", 0, 1, "batch size must be at least 1"),
        ("cat", 1, 0, "number of jobs must be at least 1"),
    ] {
        let text = Program::new(command, batch, jobs).unwrap_err().to_string();
        assert!(text.contains(expected), "{text}");
    }
    for (mean, std, expected) in [
        (vec![0.0], vec![], "1 means and 0 standard deviations"),
        (vec![f64::NAN], vec![1.0], "mean 1 is NaN"),
        (vec![0.0, 0.0], vec![1.0, 0.0], "standard deviation 2 is 0"),
        (
            vec![0.0],
            vec![f64::INFINITY],
            "standard deviation 1 is inf",
        ),
    ] {
        let text = DiagonalGaussian::new(mean, std).unwrap_err().to_string();
        assert!(text.contains(expected), "{text}");
    }
    let unbounded = PriorBox::new(vec![[0.0, f64::INFINITY]]).unwrap();
    let text = Prior::uniform(unbounded).unwrap_err().to_string();
    assert!(text.contains("needs finite bounds"), "{text}");
    let huge = Prior::Gaussian(DiagonalGaussian::new(vec![0.0], vec![1e300]).unwrap());
    let text = huge.sample(10, 0).unwrap_err().to_string();
    assert!(text.contains("too large for a 32-bit float"), "{text}");
}

#[test]
fn priors_draw_their_moments_reproducibly() {
    let n = 40_000;
    let gaussian = Prior::Gaussian(DiagonalGaussian::new(vec![1.0, -3.0], vec![0.5, 2.0]).unwrap());
    let uniform = Prior::uniform(PriorBox::new(vec![[-1.0, 3.0]]).unwrap()).unwrap();
    // (prior, coordinate, mean, variance)
    let cases = [
        (&gaussian, 0, 1.0, 0.25),
        (&gaussian, 1, -3.0, 4.0),
        (&uniform, 0, 1.0, 16.0 / 12.0),
    ];
    for (prior, j, mean, variance) in cases {
        let draws = prior.sample(n, 5).unwrap();
        assert_eq!(draws, prior.sample(n, 5).unwrap());
        let column: Vec<f64> = draws.iter_rows().map(|r| f64::from(r[j])).collect();
        let m = column.iter().sum::<f64>() / n as f64;
        let v = column.iter().map(|c| (c - m).powi(2)).sum::<f64>() / n as f64;
        // Five standard errors of the mean and of the variance.
        assert!(
            (m - mean).abs() < 5.0 * (variance / n as f64).sqrt(),
            "{m} vs {mean}"
        );
        assert!(
            (v - variance).abs() < 5.0 * variance * (2.0 / n as f64).sqrt() * 1.3,
            "{v}"
        );
    }
    assert!(
        uniform
            .sample(n, 1)
            .unwrap()
            .iter_rows()
            .all(|r| (-1.0..=3.0).contains(&r[0]))
    );
    assert_eq!(uniform.support().map(PriorBox::dim), Some(1));
    assert!(gaussian.support().is_none());
}
