//! Batch migration with a review step: fixes written as snapshots, reviewed, then applied.

pub mod snapshot;
