//! Pure data for rfc3535 runs: the requirement registry, verdicts, the `results.json` model
//! (DESIGN.md §6, `schema_version` 1) and scoring. No I/O beyond parsing text handed in, no
//! protocol, no cucumber: a saved run can be re-judged and re-rendered from this crate alone.
//!
//! - [`registry`]: `features/requirements.yaml`, the requirements and the mechanisms that can
//!   meet each.
//! - [`verdict`]: the verdict model (DESIGN.md §3) and requirement levels.
//! - [`results`]: the `results.json` document.
//! - [`scoring`]: from scenario verdicts to requirement verdicts to a device's score.

pub mod registry;
pub mod results;
pub mod scoring;
pub mod verdict;

pub use registry::{Level, Mechanism, Registry, RegistryError, Requirement, RequirementKind};
pub use results::{
    DeviceEntry, RequirementEntry, RequirementResult, ResultEntry, Results, RunInfo, Safety, Score,
    SCHEMA_VERSION,
};
pub use scoring::{judge_requirement, score_device, ScenarioOutcome, Weights};
pub use verdict::Verdict;
