"""Training: compile, fit, evaluate and the data plumbing around the Rust loop."""
