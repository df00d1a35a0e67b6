//! The interoperability matrix: requirements (rows, grouped by source) × (device, protocol)
//! (columns). Built from a [`Results`] alone, so every renderer shows the same thing: a cell
//! holds the requirement's verdict on that device, the value measured on the way, and the
//! indices of the scenario results behind it (for drill-down); a row counts how many devices
//! meet the requirement; a column carries the device's score.

use std::collections::{BTreeMap, HashMap};

use crate::results::{DeviceEntry, RequirementEntry, Results};
use crate::verdict::Verdict;

/// The matrix of one run (or of several merged runs).
#[derive(Debug, Clone)]
pub struct Matrix<'a> {
    pub results: &'a Results,
    /// One per (device, protocol), in the order of `results.devices`.
    pub columns: Vec<&'a DeviceEntry>,
    /// Requirements grouped by source, groups in the order they first appear.
    pub groups: Vec<RowGroup<'a>>,
}

/// The requirements of one source (RFC 3535 §3, §5, RFC 3535-next, ...).
#[derive(Debug, Clone)]
pub struct RowGroup<'a> {
    pub name: &'a str,
    pub rows: Vec<Row<'a>>,
}

/// One requirement across every device.
#[derive(Debug, Clone)]
pub struct Row<'a> {
    pub requirement: &'a RequirementEntry,
    /// One per column.
    pub cells: Vec<Cell<'a>>,
    /// Devices whose verdict is pass.
    pub meeting: usize,
    /// Devices with a conclusive verdict (pass or fail).
    pub judged: usize,
}

/// One requirement on one device.
#[derive(Debug, Clone)]
pub struct Cell<'a> {
    /// `None` when the run holds no verdict for it (e.g. a merged run whose shard did not
    /// select the requirement).
    pub verdict: Option<Verdict>,
    pub message: &'a str,
    pub mechanism: Option<&'a str>,
    /// The first value measured by the scenarios behind the cell, as `name=value`.
    pub measurement: Option<String>,
    /// A scenario failed on something the device claims.
    pub claimed_but_broken: bool,
    /// Indices into `results.results`: the scenario results behind the cell.
    pub scenarios: Vec<usize>,
}

impl<'a> Matrix<'a> {
    pub fn new(results: &'a Results) -> Matrix<'a> {
        let verdicts: HashMap<(&str, &str), &crate::results::RequirementResult> = results
            .requirement_results
            .iter()
            .map(|r| ((r.device.as_str(), r.requirement.as_str()), r))
            .collect();
        let mut behind: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
        for (index, result) in results.results.iter().enumerate() {
            behind
                .entry((result.device.as_str(), result.requirement.as_str()))
                .or_default()
                .push(index);
        }

        let mut group_index: BTreeMap<&str, usize> = BTreeMap::new();
        let mut groups: Vec<RowGroup<'a>> = Vec::new();
        for requirement in &results.requirements {
            let cells: Vec<Cell<'a>> = results
                .devices
                .iter()
                .map(|device| {
                    let key = (device.id.as_str(), requirement.id.as_str());
                    let scenarios = behind.get(&key).cloned().unwrap_or_default();
                    let judged = verdicts.get(&key);
                    let measurement = scenarios.iter().find_map(|&i| {
                        let (name, value) = results.results[i].measurements.iter().next()?;
                        Some(format!("{name}={}", plain(value)))
                    });
                    Cell {
                        verdict: judged.map(|r| r.verdict),
                        message: judged.map_or("", |r| r.message.as_str()),
                        mechanism: judged.and_then(|r| r.mechanism.as_deref()),
                        measurement,
                        claimed_but_broken: scenarios
                            .iter()
                            .any(|&i| results.results[i].claimed_but_broken),
                        scenarios,
                    }
                })
                .collect();
            let meeting = cells
                .iter()
                .filter(|c| c.verdict == Some(Verdict::Pass))
                .count();
            let judged = cells
                .iter()
                .filter(|c| c.verdict.is_some_and(Verdict::is_conclusive))
                .count();
            let row = Row {
                requirement,
                cells,
                meeting,
                judged,
            };
            let index = *group_index
                .entry(requirement.group.as_str())
                .or_insert_with(|| {
                    groups.push(RowGroup {
                        name: &requirement.group,
                        rows: Vec::new(),
                    });
                    groups.len() - 1
                });
            groups[index].rows.push(row);
        }
        Matrix {
            results,
            columns: results.devices.iter().collect(),
            groups,
        }
    }

    /// Every row, group by group.
    pub fn rows(&self) -> impl Iterator<Item = &Row<'a>> {
        self.groups.iter().flat_map(|g| g.rows.iter())
    }
}

/// A JSON value as a person reads it: strings without quotes.
fn plain(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
