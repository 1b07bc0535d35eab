//! Observers: hooks called by the continuation loop at every accepted point and event
//! (progress bars, logging, checkpoints, cancellation) instead of options inside the loop.

use super::{Branch, Event, Point, Status};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Why an observer asked the trace to stop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// Cancelled from outside (Ctrl-C, SIGTERM, a GUI button): status [`Status::Interrupted`].
    Interrupted,
    /// Any other reason, reported verbatim in [`Status::Interrupted`].
    Other(String),
}

impl StopReason {
    /// The status a trace stopped for this reason ends with.
    pub fn status(&self) -> Status {
        match self {
            StopReason::Interrupted => Status::Interrupted("cancelled".into()),
            StopReason::Other(why) => Status::Interrupted(why.clone()),
        }
    }
}

/// What the loop should do after an observer call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Control {
    /// Go on.
    Continue,
    /// End the trace now, keeping every point and event accepted so far.
    Stop(StopReason),
}

/// Hooks called by the continuation loop.
///
/// `on_event` is called for every located event of an accepted step, in order, then
/// `on_point` for the step's point (already appended to `branch_so_far`, whose status is
/// [`Status::InProgress`]). A [`Control::Stop`] ends the trace after the current step with
/// status [`Status::Interrupted`]; nothing accepted is lost.
///
/// ```
/// use actbif::continuation::{Branch, Control, Observer, Point, StopReason};
/// /// Stops after 10 accepted points.
/// struct AtMost(usize);
/// impl Observer for AtMost {
///     fn on_point(&mut self, _p: &Point, b: &Branch) -> Control {
///         if b.points.len() >= self.0 { Control::Stop(StopReason::Other("enough".into())) }
///         else { Control::Continue }
///     }
/// }
/// ```
pub trait Observer {
    /// Called once per accepted point.
    fn on_point(&mut self, point: &Point, branch_so_far: &Branch) -> Control {
        let _ = (point, branch_so_far);
        Control::Continue
    }
    /// Called once per accepted event.
    fn on_event(&mut self, event: &Event) -> Control {
        let _ = event;
        Control::Continue
    }
}

/// The observer that does nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoObserver;

impl Observer for NoObserver {}

/// Stops the trace (status [`Status::Interrupted`]) once the flag is set, e.g. by a signal
/// handler (`signal_hook::flag::register`) or another thread.
#[derive(Clone, Debug, Default)]
pub struct CancelFlag(pub Arc<AtomicBool>);

impl CancelFlag {
    /// A new, unset flag.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the flag.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    /// Whether the flag is set.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
    fn control(&self) -> Control {
        if self.is_cancelled() {
            Control::Stop(StopReason::Interrupted)
        } else {
            Control::Continue
        }
    }
}

impl Observer for CancelFlag {
    fn on_point(&mut self, _point: &Point, _branch: &Branch) -> Control {
        self.control()
    }
    fn on_event(&mut self, _event: &Event) -> Control {
        self.control()
    }
}

/// Several observers called in order; the first `Stop` wins (all are still called).
#[derive(Default)]
pub struct Observers<'a>(pub Vec<&'a mut dyn Observer>);

impl Observer for Observers<'_> {
    fn on_point(&mut self, point: &Point, branch: &Branch) -> Control {
        let mut out = Control::Continue;
        for o in self.0.iter_mut() {
            if let Control::Stop(r) = o.on_point(point, branch) {
                if out == Control::Continue {
                    out = Control::Stop(r);
                }
            }
        }
        out
    }
    fn on_event(&mut self, event: &Event) -> Control {
        let mut out = Control::Continue;
        for o in self.0.iter_mut() {
            if let Control::Stop(r) = o.on_event(event) {
                if out == Control::Continue {
                    out = Control::Stop(r);
                }
            }
        }
        out
    }
}

/// Progress-bar resolution (ticks over the λ window).
const PROGRESS_TICKS: u64 = 1000;

/// A progress bar on stderr showing λ's position in its window.
pub struct ProgressBar {
    bar: indicatif::ProgressBar,
    lambda_min: f64,
    span: f64,
}

impl ProgressBar {
    /// A bar over \[lambda_min, lambda_max\] with a label such as "exact trace".
    pub fn new(label: &str, lambda_min: f64, lambda_max: f64) -> Self {
        let bar = indicatif::ProgressBar::new(PROGRESS_TICKS);
        bar.set_style(
            indicatif::ProgressStyle::with_template(&format!(
                "{{spinner}} {label} [{{bar:40}}] {{elapsed_precise}} {{msg}}"
            ))
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        ProgressBar {
            bar,
            lambda_min,
            span: lambda_max - lambda_min,
        }
    }
}

impl Observer for ProgressBar {
    fn on_point(&mut self, point: &Point, branch: &Branch) -> Control {
        let frac = (point.lambda - self.lambda_min) / self.span;
        self.bar
            .set_position((frac.clamp(0.0, 1.0) * PROGRESS_TICKS as f64) as u64);
        self.bar.set_message(format!(
            "λ = {:.5}, {} points, {} events",
            point.lambda,
            branch.points.len(),
            branch.events.len()
        ));
        Control::Continue
    }
}

impl Drop for ProgressBar {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}
