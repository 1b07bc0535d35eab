//! A checkpoint observer: streams every accepted point and event as one JSON object per line
//! (JSON Lines), flushed at once, so a killed run leaves everything it accepted on disk.
//!
//! Lines are `{"point": {...}}` and `{"event": {...}}` with the fields of [`super::Point`] and
//! [`super::Event`] as in the final JSON.

use super::observer::{Control, Observer, StopReason};
use super::{Branch, Event, Point};
use serde::Serialize;
use std::io::Write;

/// Writes points and events as JSON Lines to `W`; a write error stops the trace (status
/// `interrupted`, the error in its detail).
pub struct JsonLines<W: Write> {
    out: W,
}

impl<W: Write> JsonLines<W> {
    /// Streams to `out`.
    pub fn new(out: W) -> Self {
        JsonLines { out }
    }

    fn line<T: Serialize>(&mut self, key: &str, value: &T) -> Control {
        let mut map = serde_json::Map::new();
        let written = serde_json::to_value(value)
            .map_err(|e| e.to_string())
            .and_then(|v| {
                map.insert(key.to_string(), v);
                serde_json::to_string(&map).map_err(|e| e.to_string())
            })
            .and_then(|s| {
                writeln!(self.out, "{s}")
                    .and_then(|_| self.out.flush())
                    .map_err(|e| e.to_string())
            });
        match written {
            Ok(()) => Control::Continue,
            Err(e) => Control::Stop(StopReason::Other(format!("checkpoint write failed: {e}"))),
        }
    }
}

impl<W: Write> Observer for JsonLines<W> {
    fn on_point(&mut self, point: &Point, _branch: &Branch) -> Control {
        self.line("point", point)
    }
    fn on_event(&mut self, event: &Event) -> Control {
        self.line("event", event)
    }
}
