//! Presenting outcomes: numbers in tables, panic payloads, per-part results in JSON.

/// Formats a number for tables: 4 significant digits, scientific when small or large.
pub fn fmt(x: f64) -> String {
    if x.is_nan() {
        return "n/a".into();
    }
    if x.is_infinite() {
        return if x > 0.0 {
            "∞".into()
        } else {
            "−∞".into()
        };
    }
    let a = x.abs();
    if a == 0.0 {
        return "0".into();
    }
    if !(1e-3..1e4).contains(&a) {
        format!("{x:.3e}")
    } else {
        let s = format!("{x:.4}");
        // Trim to 4 significant digits for values ≥ 1.
        if a >= 10.0 {
            format!("{x:.2}")
        } else {
            s
        }
    }
}

/// Turns a panic payload into a message.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-string payload".into()
    }
}

/// Serialises a per-part outcome as its value when it succeeded and as `{"error": "..."}`
/// when it failed (serde's default `{"Ok": ...}` / `{"Err": ...}` is awkward to load).
pub fn ok_or_error<T: serde::Serialize, S: serde::Serializer>(
    r: &std::result::Result<T, String>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    match r {
        Ok(v) => v.serialize(s),
        Err(e) => {
            let mut m = s.serialize_map(Some(1))?;
            m.serialize_entry("error", e)?;
            m.end()
        }
    }
}
