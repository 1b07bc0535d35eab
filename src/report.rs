//! Tables, JSON and SVG figures; atomic file writes.
