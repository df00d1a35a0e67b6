//! A benchmark's sizes, from the environment (`BENCH_...`), with defaults. Shared by the
//! benches that take sizes (`#[path]`-included: each bench is a crate of its own).

/// The value of `name` read as a `T`, or `default` when it is unset or unreadable.
pub fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
