use actbif::experiments::exp8_dynamics as e8;
use actbif::Objective;
fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let model = actbif::models::two_layer::TwoLayer::paper(10).unwrap();
    let th = ndarray::Array1::from_elem(50, 0.1);
    let t = std::time::Instant::now();
    for _ in 0..1000 {
        std::hint::black_box(model.gradient(th.view(), 0.5));
    }
    println!("gradient {:.2e} s", t.elapsed().as_secs_f64() / 1000.0);
    println!("eta {:?}", e8::default_step(&model, th.view(), 0.5));
    let t = std::time::Instant::now();
    let o = e8::Exp8Options::new(quick);
    let r = e8::compute(&o).unwrap();
    println!("{}", r.finding);
    for x in &r.relaxation {
        println!("{:?}", (x.delta, x.tau, x.tau_linear, x.tau_fold, x.tau_gd));
    }
    println!(
        "decay window {:?} exp {} se {} steps {} pf {:?}",
        r.fold_decay.window,
        r.fold_decay.exponent,
        r.fold_decay.exponent_se,
        r.fold_decay.steps,
        match &r.pitchfork_decay {
            actbif::experiments::exp8_dynamics::PitchforkDecay::Measured(d) =>
                format!("{} {} {:?}", d.exponent, d.exponent_se, d.window),
            x => format!("{x:?}"),
        }
    );
    println!(
        "{:?} {:?}",
        r.hysteresis.up.jump_interval, r.hysteresis.down.jump_interval
    );
    for (p, s) in e8::figures(&r).unwrap() {
        std::fs::write(format!("/tmp/ex/{}", p.replace("figures/", "")), s).unwrap();
    }
    let d = &r.hysteresis.down;
    for i in 0..d.lambdas.len() {
        if d.lambdas[i] < 0.12 && d.lambdas[i] > 0.05 {
            println!(
                "down {:.4} disp {:.3e} loss {:.8} g {:.1e}",
                d.lambdas[i], d.displacements[i], d.losses[i], d.grad_norms[i]
            );
        }
    }
    if let Some(b) = &r.branch {
        for p in &b.points {
            if p.lambda < 0.12 && p.lambda > 0.05 {
                println!(
                    "exact {:.4} loss {:.8} morse {}",
                    p.lambda, p.loss, p.morse_index
                );
            }
        }
    }
    println!("{:.1} s", t.elapsed().as_secs_f64());
}
#[allow(dead_code)]
fn unused() {}
