//! The matrix as GitHub-flavoured Markdown: a table per run with a row per requirement
//! (grouped by source), a column per (device, protocol), the devices' scores, then the devices
//! and every failure with its explanation. Pasteable into an issue, a wiki or a vendor page.

use rfc3535_score::{Matrix, Results, Verdict};

use crate::{
    explanation, headline, identity_text, safety_text, score_text, symbol, Options, LEGEND,
};

/// Text safe inside a Markdown table cell.
fn cell_safe(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('\n', " ")
        .replace('<', "&lt;")
}

pub fn render(results: &Results, options: &Options) -> String {
    let matrix = Matrix::new(results);
    let mut out = format!(
        "# rfc3535 interoperability matrix\n\n{}\n\n",
        cell_safe(&headline(results))
    );
    out.push_str("| Requirement | Level |");
    for device in &matrix.columns {
        out.push_str(&format!(" {} |", cell_safe(&device.id)));
    }
    out.push_str(" Meets |\n|---|---|");
    out.push_str(&":-:|".repeat(matrix.columns.len()));
    out.push_str(":-:|\n");
    for group in &matrix.groups {
        out.push_str(&format!("| **{}** | |", cell_safe(group.name)));
        out.push_str(&" |".repeat(matrix.columns.len() + 1));
        out.push('\n');
        for row in &group.rows {
            let requirement = row.requirement;
            out.push_str(&format!(
                "| `{}` {} | {} |",
                requirement.id,
                cell_safe(&requirement.title),
                requirement.level.as_str().to_uppercase()
            ));
            for cell in &row.cells {
                let mut text = symbol(cell.verdict).to_owned();
                if cell.claimed_but_broken {
                    text.push('*');
                }
                if let Some(measured) = &cell.measurement {
                    text.push_str(&format!(" `{}`", cell_safe(measured)));
                }
                out.push_str(&format!(" {text} |"));
            }
            out.push_str(&format!(" {}/{} |\n", row.meeting, row.judged));
        }
    }
    out.push_str("| **Score** | |");
    for device in &matrix.columns {
        out.push_str(&format!(" **{}** |", score_text(device)));
    }
    out.push_str(" |\n\n");
    out.push_str(&format!("{LEGEND}\n\n## Devices\n\n"));
    out.push_str("| Device | Identity | Address | Score | Pass | Fail | N/A | Skipped | Error | Manual | Claimed but broken | Configuration |\n");
    out.push_str("|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|\n");
    for device in &matrix.columns {
        let s = &device.score;
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            cell_safe(&device.id),
            cell_safe(&identity_text(device)),
            cell_safe(&device.address),
            score_text(device),
            s.pass,
            s.fail,
            s.not_applicable,
            s.skipped,
            s.error,
            s.manual,
            s.claimed_but_broken,
            cell_safe(&safety_text(device)),
        ));
    }

    let findings: Vec<String> = matrix
        .rows()
        .flat_map(|row| {
            row.cells
                .iter()
                .zip(&matrix.columns)
                .filter_map(move |(cell, device)| {
                    let verdict = cell.verdict?;
                    if !matches!(verdict, Verdict::Fail | Verdict::Error) {
                        return None;
                    }
                    Some(format!(
                        "| `{}` | {} | {}{} | {} |\n",
                        row.requirement.id,
                        cell_safe(&device.id),
                        verdict,
                        if cell.claimed_but_broken {
                            " (claimed but broken)"
                        } else {
                            ""
                        },
                        cell_safe(&explanation(results, cell)),
                    ))
                })
        })
        .collect();
    if !findings.is_empty() {
        out.push_str("\n## Failures and errors\n\n| Requirement | Device | Verdict | Why |\n|---|---|---|---|\n");
        for line in findings {
            out.push_str(&line);
        }
    }
    let unchecked: Vec<String> = matrix
        .columns
        .iter()
        .flat_map(|device| {
            device.unchecked_claims.iter().map(move |claim| {
                format!(
                    "| {} | `{}` | {} |\n",
                    cell_safe(&device.id),
                    cell_safe(&claim.claim),
                    cell_safe(&claim.why)
                )
            })
        })
        .collect();
    if !unchecked.is_empty() {
        out.push_str(
            "\n## Claimed, not checked\n\n| Device | Capability | Why not |\n|---|---|---|\n",
        );
        for line in unchecked {
            out.push_str(&line);
        }
    }
    out.push_str(&format!("\n<sub>Made by {}.</sub>\n", options.generator));
    out
}
