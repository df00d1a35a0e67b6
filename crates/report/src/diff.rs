//! What changed between two runs, for a person (text, Markdown) or a program (JSON):
//! regressions first, then improvements, other changes, scores, and devices that came or went.

use rfc3535_score::{Change, ChangeKind, Results, RunDiff};

use crate::escape_markup;

fn verdict_text(verdict: Option<rfc3535_score::Verdict>) -> &'static str {
    verdict.map_or("absent", |v| v.as_str())
}

fn heading(kind: ChangeKind) -> &'static str {
    match kind {
        ChangeKind::Regression => "Regressions",
        ChangeKind::Improvement => "Improvements",
        ChangeKind::Other => "Other changes",
    }
}

fn percent(value: Option<f64>) -> String {
    value.map_or("n/a".to_owned(), |p| format!("{p:.1}%"))
}

fn change_line(change: &Change) -> String {
    format!(
        "{} {}{}: {} → {}",
        change.device,
        change.requirement,
        change.level.map_or(String::new(), |l| format!(
            " ({})",
            l.as_str().to_uppercase()
        )),
        verdict_text(change.old),
        verdict_text(change.new),
    )
}

/// The changes grouped by kind, regressions first; kinds without changes left out.
fn by_kind(diff: &RunDiff) -> Vec<(ChangeKind, Vec<&Change>)> {
    [
        ChangeKind::Regression,
        ChangeKind::Improvement,
        ChangeKind::Other,
    ]
    .into_iter()
    .map(|kind| {
        (
            kind,
            diff.changes
                .iter()
                .filter(|c| c.kind == kind)
                .collect::<Vec<_>>(),
        )
    })
    .filter(|(_, changes)| !changes.is_empty())
    .collect()
}

/// Devices present in only one of the runs, with how to say so.
fn devices_in_one_run(diff: &RunDiff) -> [(&'static str, &Vec<String>); 2] {
    [
        ("Devices only in the new run", &diff.devices_added),
        ("Devices only in the old run", &diff.devices_removed),
    ]
}

/// Plain text, one line per change with its explanation indented below.
pub fn text(old: &Results, new: &Results, diff: &RunDiff) -> String {
    let mut out = format!("rfc3535 diff: run {} → run {}\n", old.run.id, new.run.id);
    if diff.is_empty() {
        out.push_str("no differences: every device has the same verdict on every requirement\n");
        return out;
    }
    for (kind, changes) in by_kind(diff) {
        out.push_str(&format!("\n{} ({})\n", heading(kind), changes.len()));
        for change in changes {
            out.push_str(&format!("  {}\n", change_line(change)));
            if !change.message.is_empty() {
                out.push_str(&format!("      {}\n", change.message));
            }
        }
    }
    if !diff.scores.is_empty() {
        out.push_str("\nScores\n");
        for score in &diff.scores {
            out.push_str(&format!(
                "  {}: {} → {}\n",
                score.device,
                percent(score.old),
                percent(score.new)
            ));
        }
    }
    for (label, devices) in devices_in_one_run(diff) {
        if !devices.is_empty() {
            out.push_str(&format!("\n{label}: {}\n", devices.join(", ")));
        }
    }
    out
}

/// GitHub-flavoured Markdown: a table per kind of change.
pub fn markdown(old: &Results, new: &Results, diff: &RunDiff) -> String {
    let cell = |t: &str| escape_markup(t).replace('|', "\\|").replace('\n', " ");
    let mut out = format!(
        "# rfc3535 diff\n\nRun `{}` → run `{}`\n",
        cell(&old.run.id),
        cell(&new.run.id)
    );
    if diff.is_empty() {
        out.push_str("\nNo differences.\n");
        return out;
    }
    for (kind, changes) in by_kind(diff) {
        out.push_str(&format!(
            "\n## {} ({})\n\n| Device | Requirement | Level | Old | New | Why |\n|---|---|---|---|---|---|\n",
            heading(kind),
            changes.len()
        ));
        for c in changes {
            out.push_str(&format!(
                "| {} | `{}` | {} | {} | {} | {} |\n",
                cell(&c.device),
                cell(&c.requirement),
                c.level.map_or("", |l| l.as_str()),
                verdict_text(c.old),
                verdict_text(c.new),
                cell(&c.message)
            ));
        }
    }
    if !diff.scores.is_empty() {
        out.push_str("\n## Scores\n\n| Device | Old | New |\n|---|--:|--:|\n");
        for s in &diff.scores {
            out.push_str(&format!(
                "| {} | {} | {} |\n",
                cell(&s.device),
                percent(s.old),
                percent(s.new)
            ));
        }
    }
    for (label, devices) in devices_in_one_run(diff) {
        if !devices.is_empty() {
            out.push_str(&format!("\n{label}: {}\n", cell(&devices.join(", "))));
        }
    }
    out
}

/// The differences as JSON (the `RunDiff` model, plus the two run ids).
pub fn json(old: &Results, new: &Results, diff: &RunDiff) -> String {
    let value = serde_json::json!({
        "old_run": old.run.id,
        "new_run": new.run.id,
        "diff": diff,
    });
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}
