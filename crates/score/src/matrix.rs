//! The interoperability matrix: requirements (rows, grouped by source) × (device, protocol)
//! (columns). Built from a [`Results`] alone, so every renderer shows the same thing: a cell
//! holds the requirement's verdict on that device, the value measured on the way, and the
//! indices of the scenario results behind it (for drill-down); a row counts how many devices
//! meet the requirement; a column carries the device's score.

use std::collections::HashMap;

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
    /// One pass over the results and one over the requirement verdicts, placing each by
    /// (requirement, device) position: a 1,000-device run has 200,000 cells.
    pub fn new(results: &'a Results) -> Matrix<'a> {
        let width = results.devices.len();
        let column_of: HashMap<&str, usize> = results
            .devices
            .iter()
            .enumerate()
            .map(|(i, d)| (d.id.as_str(), i))
            .collect();
        let row_of: HashMap<&str, usize> = results
            .requirements
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.as_str(), i))
            .collect();
        let position = |device: &str, requirement: &str| -> Option<usize> {
            Some(row_of.get(requirement)? * width + column_of.get(device)?)
        };
        let mut cells: Vec<Cell<'a>> = (0..width * results.requirements.len())
            .map(|_| Cell {
                verdict: None,
                message: "",
                mechanism: None,
                measurement: None,
                claimed_but_broken: false,
                scenarios: Vec::new(),
            })
            .collect();
        for (index, result) in results.results.iter().enumerate() {
            let Some(at) = position(&result.device, &result.requirement) else {
                continue;
            };
            let cell = &mut cells[at];
            cell.scenarios.push(index);
            cell.claimed_but_broken |= result.claimed_but_broken;
            if cell.measurement.is_none() {
                if let Some((name, value)) = result.measurements.iter().next() {
                    cell.measurement = Some(format!("{name}={}", plain(value)));
                }
            }
        }
        for judged in &results.requirement_results {
            if let Some(at) = position(&judged.device, &judged.requirement) {
                let cell = &mut cells[at];
                cell.verdict = Some(judged.verdict);
                cell.message = &judged.message;
                cell.mechanism = judged.mechanism.as_deref();
            }
        }

        let mut group_index: HashMap<&str, usize> = HashMap::new();
        let mut groups: Vec<RowGroup<'a>> = Vec::new();
        let mut cells = cells.into_iter();
        for requirement in &results.requirements {
            let cells: Vec<Cell<'a>> = cells.by_ref().take(width).collect();
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
