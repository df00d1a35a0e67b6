//! Test helpers: the local lab.
