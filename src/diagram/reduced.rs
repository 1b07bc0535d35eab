//! (stub: filled in by the diagram work)
