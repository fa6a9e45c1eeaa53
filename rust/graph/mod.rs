//! Graphs of primitive ops: built once (from Python), planned, then run
//! forward and backward. The eager [`Tape`] records the same nodes while
//! computing them at once, so both paths share one autodiff.

mod custom_vjp;
mod executor;
mod fuse;
mod node;
mod plan;
pub mod store;
mod tape;

pub use custom_vjp::CustomVjp;
pub use executor::{backward, backward_values, forward, Values};
pub use node::{Graph, Node, NodeId, NodeKind};
pub use plan::Plan;
pub use tape::Tape;

#[cfg(test)]
mod tests;
