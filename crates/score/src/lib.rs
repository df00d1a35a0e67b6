//! Pure data for rfc3535 runs: the requirement registry, verdicts, the `results.json` model
//! (DESIGN.md §6, `schema_version` 1) and scoring. No I/O beyond parsing text handed in, no
//! protocol, no cucumber: a saved run can be re-judged and re-rendered from this crate alone.
//!
//! - [`registry`]: `features/requirements.yaml`, the requirements and the mechanisms that can
//!   meet each.
//! - [`verdict`]: the verdict model (DESIGN.md §3) and requirement levels.
//! - [`results`]: the `results.json` document.
//! - [`scoring`]: from scenario verdicts to requirement verdicts to a device's score.
//! - [`matrix`]: requirements × devices, as every renderer shows them.
//! - [`merge`] and [`diff`]: several runs as one matrix; what changed between two runs.
//! - [`answers`]: the evidence questionnaire, turning manual requirements into verdicts.

pub mod answers;
pub mod diff;
pub mod matrix;
pub mod merge;
pub mod registry;
pub mod results;
pub mod scoring;
pub mod verdict;

pub use answers::{Answer, Answers, AnswersError};
pub use diff::{diff, Change, ChangeKind, RunDiff, ScoreChange};
pub use matrix::{Cell, Matrix, Row, RowGroup};
pub use merge::{merge, MergeError, Merged, FLEET_SHARD};
pub use registry::{
    Level, Mechanism, Question, Registry, RegistryError, Requirement, RequirementKind,
};
pub use results::{
    DeviceEntry, RequirementEntry, RequirementResult, ResultEntry, Results, ResultsError, RunInfo,
    Safety, Score, UncheckedClaim, SCHEMA_VERSION,
};
pub use scoring::{judge_requirement, score_device, ScenarioOutcome, Weights, WeightsError};
pub use verdict::Verdict;
