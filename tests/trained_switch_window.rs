//! Regression: the both-layers-trained diagram on the paper data (500 samples), m = 3,
//! α = 1e-3. The first selected branch has a branch point at λ ≈ 0.0059, just above
//! λ_min = 1e-3. The switched seed predicted inside the window was corrected (λ is free in
//! that Newton) down to λ ≈ −1.5e-11, outside it, and reached the continuation's validation:
//! the whole diagram failed with "lambda0 must lie in [0.001, 1]". Now a corrected seed
//! outside the window is never returned (the next amplitude is tried, or the event says why).

use actbif::app::commands::{trained_diagram, TrainedOutputs};
use actbif::continuation::EventKind;
use actbif::diagram::switch::simple_switch;
use actbif::diagram::DiagramOptions;
use actbif::models::two_layer_trained::TwoLayerTrained;

#[test]
fn switched_seed_is_inside_the_window_after_correction() {
    let data = actbif::data::paper_teacher(actbif::data::PAPER_SEED, actbif::data::PAPER_N);
    let model = TwoLayerTrained::new(data, 3, 1e-3, actbif::activation::Builtin::Tanh).unwrap();
    // λ_max = 0.05 holds the branch point; no switching: the test switches by hand.
    let opts = DiagramOptions {
        lambda_max: 0.05,
        switch: false,
        ..Default::default()
    };
    let d = trained_diagram(&model, None, &opts, TrainedOutputs::default()).unwrap();
    let window = (d.lambda_min, d.lambda_max);
    assert_eq!(window.0, 1e-3);
    let obj = model.objective();
    let mut checked = 0;
    for b in &d.branches {
        for e in b
            .events
            .iter()
            .filter(|e| e.event.kind == EventKind::BranchPoint)
        {
            let (_, seed) = simple_switch(&obj, &e.event, &b.points, window, 1e-12).unwrap();
            match seed {
                Ok(s) => assert!(
                    (window.0..=window.1).contains(&s.lambda),
                    "seed at λ = {:e} outside {window:?} (branch point at λ = {})",
                    s.lambda,
                    e.event.lambda
                ),
                Err(why) => assert!(!why.is_empty()),
            }
            checked += 1;
        }
    }
    assert!(checked >= 1, "the branch point near λ_min was found");
}
