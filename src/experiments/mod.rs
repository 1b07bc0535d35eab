//! The paper's Appendix B experiments, each run by the paper's method and exactly.
