//! One self-contained HTML file: no network fetch, no external font, script or style, so it
//! can be mailed, attached to a liaison or opened on a hackathon table without a network.
//!
//! The page holds the device cards (score, counts, claimed but broken, configuration check),
//! the matrix as a colour heatmap with filters (source, level, verdict, text), and a
//! drill-down per cell. Above [`FLEET_VIEW_ABOVE`] device columns the page opens on the fleet
//! view instead of the cards: the score distribution, the devices that fail MUST
//! requirements, claimed-but-broken by capability, each requirement's pass share, and a
//! searchable list of every device; the matrix then shows [`FLEET_COLUMNS`] columns at a time
//! (the worst first), and choosing a device in the list (or a link to one of its cells) puts
//! its column there. Either way a cell opens the requirement's verdict and message, each scenario behind it with
//! its steps, measurements and schema findings, and the evidence transcripts. The table is
//! rendered here so it reads without script; the drill-down's data is the run's own
//! `results.json` plus the evidence files, embedded as JSON.

use serde::Serialize;

use rfc3535_score::{Matrix, Results, Verdict};

use crate::term::FLEET_VIEW_ABOVE;
use crate::{
    escape_markup as esc, headline, identity_text, safety_text, score_text, symbol, Options,
};

/// How many device columns the matrix of a fleet shows at a time.
pub const FLEET_COLUMNS: usize = 12;

const STYLE: &str = include_str!("html/report.css");
const SCRIPT: &str = include_str!("html/report.js");

/// What the page's script reads.
#[derive(Serialize)]
struct Embedded<'a> {
    results: &'a Results,
    evidence: &'a std::collections::BTreeMap<String, String>,
}

fn verdict_class(verdict: Option<Verdict>) -> &'static str {
    match verdict {
        Some(Verdict::Pass) => "v-pass",
        Some(Verdict::Fail) => "v-fail",
        Some(Verdict::NotApplicable) => "v-na",
        Some(Verdict::Skipped) => "v-skipped",
        Some(Verdict::Error) => "v-error",
        Some(Verdict::Manual) => "v-manual",
        None => "v-none",
    }
}

/// Red to amber to green, for a score.
fn score_hue(percent: Option<f64>) -> String {
    match percent {
        Some(p) => format!("hsl({:.0} 62% 40%)", p.clamp(0.0, 100.0) * 1.2),
        None => "#7a828c".to_owned(),
    }
}

pub fn render(results: &Results, options: &Options) -> String {
    let matrix = Matrix::new(results);
    let mut page = String::with_capacity(4096 + results.results.len() * 600);
    page.push_str(&format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"{}\">\n<title>rfc3535 interoperability matrix · {}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n",
        esc(&options.generator),
        esc(&results.run.id)
    ));
    page.push_str(&format!(
        "<header>\n<h1>Interoperability matrix</h1>\n<p class=\"run\">{}</p>\n</header>\n<main>\n",
        esc(&headline(results))
    ));
    if results.run.interrupted {
        page.push_str("<p class=\"warning\">This run was interrupted: it holds only what was collected before the stop.</p>\n");
    }
    let shown: Vec<usize> = if matrix.columns.len() > FLEET_VIEW_ABOVE {
        fleet_view(&matrix, &mut page)
    } else {
        device_cards(&matrix, &mut page);
        (0..matrix.columns.len()).collect()
    };
    controls(&matrix, &mut page);
    table(&matrix, &shown, &mut page);
    broken_list(&matrix, &mut page);
    unchecked_list(&matrix, &mut page);
    page.push_str("</main>\n<aside id=\"drill\" hidden aria-live=\"polite\"><button type=\"button\" class=\"close\" aria-label=\"Close\">×</button><div class=\"content\"></div></aside>\n");
    page.push_str(&format!(
        "<footer>Made by {} from run {}. Every cell links to the scenarios and transcripts behind it; the data is embedded in this file.</footer>\n",
        esc(&options.generator),
        esc(&results.run.id)
    ));
    page.push_str("<script type=\"application/json\" id=\"rfc3535-data\">");
    let mut embedded = ScriptSafe(std::mem::take(&mut page).into_bytes());
    let written = serde_json::to_writer(
        &mut embedded,
        &Embedded {
            results,
            evidence: &options.evidence,
        },
    );
    // Only UTF-8 went in (the page and serde_json's output), so this cannot fail.
    page = String::from_utf8(embedded.0).unwrap_or_default();
    if written.is_err() {
        page.push_str("{}");
    }
    page.push_str("</script>\n<script>\n");
    page.push_str(SCRIPT);
    page.push_str("</script>\n</body>\n</html>\n");
    page
}

/// Writes JSON into the page so that it cannot end the script element: `<` only occurs in
/// JSON strings, where `\u003c` means the same. Streaming, because a large fleet's data is
/// over 100 MB and a second pass would copy it all again.
struct ScriptSafe(Vec<u8>);

impl std::io::Write for ScriptSafe {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let mut rest = bytes;
        while let Some(at) = rest.iter().position(|b| *b == b'<') {
            self.0.extend_from_slice(&rest[..at]);
            self.0.extend_from_slice(b"\\u003c");
            rest = &rest[at + 1..];
        }
        self.0.extend_from_slice(rest);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn device_cards(matrix: &Matrix<'_>, page: &mut String) {
    page.push_str("<section class=\"devices\" aria-label=\"Devices\">\n");
    for device in &matrix.columns {
        let s = &device.score;
        let counts = [
            ("v-pass", "pass", s.pass),
            ("v-fail", "fail", s.fail),
            ("v-na", "n/a", s.not_applicable),
            ("v-skipped", "skipped", s.skipped),
            ("v-error", "error", s.error),
            ("v-manual", "manual", s.manual),
        ];
        let chips: String = counts
            .iter()
            .filter(|(_, _, n)| *n > 0)
            .map(|(class, label, n)| format!("<span class=\"chip {class}\">{n} {label}</span>"))
            .collect();
        let safety_class = if device.unreachable.is_some() || device.broken.is_some() {
            "unknown"
        } else if device.safety.verified {
            "ok"
        } else {
            "bad"
        };
        page.push_str(&format!(
            "<article class=\"device\"><div class=\"score\" style=\"--hue:{}\"><b>{}</b><span style=\"width:{:.1}%\"></span></div><h2>{}</h2><p class=\"what\">{}{}</p><p class=\"chips\">{chips}</p>{}<p class=\"safety {safety_class}\">configuration: {}</p></article>\n",
            score_hue(s.percent),
            esc(&score_text(device)),
            s.percent.unwrap_or(0.0),
            esc(&device.name),
            esc(&device.protocol),
            [identity_text(device), device.address.clone()]
                .iter()
                .filter(|p| !p.is_empty())
                .map(|p| format!(" · {}", esc(p)))
                .collect::<String>(),
            if let Some(why) = &device.unreachable {
                format!("<p class=\"unreachable\">not tested: {}</p>", esc(why))
            } else if let Some(how) = &device.broken {
                format!("<p class=\"unreachable\">broke the protocol: {}</p>", esc(how))
            } else if s.claimed_but_broken > 0 {
                format!(
                    "<p class=\"broken-note\">{} claimed but broken</p>",
                    s.claimed_but_broken
                )
            } else {
                String::new()
            },
            esc(&safety_text(device)),
        ));
    }
    page.push_str("</section>\n");
}

fn controls(matrix: &Matrix<'_>, page: &mut String) {
    page.push_str("<form class=\"controls\" aria-label=\"Filters\"><label>Source <select name=\"group\"><option value=\"\">all</option>");
    for group in &matrix.groups {
        page.push_str(&format!("<option>{}</option>", esc(group.name)));
    }
    page.push_str("</select></label><fieldset><legend>Level</legend>");
    for level in ["must", "should", "may"] {
        page.push_str(&format!(
            "<label><input type=\"checkbox\" name=\"level\" value=\"{level}\" checked> {}</label>",
            level.to_uppercase()
        ));
    }
    page.push_str("</fieldset><label>Rows with <select name=\"verdict\"><option value=\"\">any verdict</option>");
    for verdict in Verdict::ALL {
        page.push_str(&format!("<option value=\"{verdict}\">a {verdict}</option>"));
    }
    page.push_str("<option value=\"broken\">a claimed-but-broken</option></select></label><label>Text <input type=\"search\" name=\"text\" placeholder=\"id or title\"></label><span class=\"shown\"></span></form>\n");
    page.push_str("<p class=\"legend\">");
    for (verdict, label) in [
        (Some(Verdict::Pass), "pass"),
        (Some(Verdict::Fail), "fail"),
        (Some(Verdict::NotApplicable), "not applicable"),
        (Some(Verdict::Skipped), "skipped"),
        (Some(Verdict::Error), "error"),
        (Some(Verdict::Manual), "manual (questionnaire)"),
        (None, "not in this run"),
    ] {
        page.push_str(&format!(
            "<span class=\"key {}\">{}</span> {label} ",
            verdict_class(verdict),
            symbol(verdict)
        ));
    }
    page.push_str("<span class=\"key v-fail broken\">✘</span> claimed but broken. Select a cell for its scenarios and evidence.</p>\n");
}

/// The matrix, with the device columns `shown` (all of them, but for a fleet).
fn table(matrix: &Matrix<'_>, shown: &[usize], page: &mut String) {
    let many = shown.len() > 8;
    page.push_str(&format!(
        "<div class=\"scroll\"><table class=\"matrix{}\">\n<thead><tr><th class=\"req\">Requirement</th><th>Level</th>",
        if many { " many" } else { "" }
    ));
    for &index in shown {
        let device = matrix.columns[index];
        page.push_str(&format!(
            "<th class=\"dev\" data-device=\"{index}\" title=\"{}\"><span>{}<small>{}</small></span></th>",
            esc(&device.id),
            esc(&device.name),
            esc(&device.protocol)
        ));
    }
    page.push_str("<th title=\"Devices that meet it, of those with a pass or fail\">Meets</th></tr></thead>\n");
    let width = shown.len() + 3;
    for group in &matrix.groups {
        page.push_str(&format!(
            "<tbody data-group=\"{}\"><tr class=\"group\"><th colspan=\"{width}\">{}</th></tr>\n",
            esc(group.name),
            esc(group.name)
        ));
        for row in &group.rows {
            let requirement = row.requirement;
            let mut verdicts: Vec<&str> = row
                .cells
                .iter()
                .filter_map(|c| c.verdict.map(Verdict::as_str))
                .collect();
            if row.cells.iter().any(|c| c.claimed_but_broken) {
                verdicts.push("broken");
            }
            verdicts.sort_unstable();
            verdicts.dedup();
            page.push_str(&format!(
                "<tr data-req=\"{}\" data-level=\"{}\" data-verdicts=\"{}\"><th class=\"req\"><code>{}</code> {}<small>{}</small></th><td class=\"level {}\">{}</td>",
                esc(&requirement.id),
                requirement.level,
                verdicts.join(" "),
                esc(&requirement.id),
                esc(&requirement.title),
                esc(&requirement.source),
                requirement.level,
                requirement.level.as_str().to_uppercase(),
            ));
            for &index in shown {
                let cell = &row.cells[index];
                let measured = cell
                    .measurement
                    .as_deref()
                    .map(|m| format!("<small>{}</small>", esc(&crate::short_measure(m))))
                    .unwrap_or_default();
                page.push_str(&format!(
                    "<td class=\"cell {}{}\" tabindex=\"0\" data-device=\"{index}\" title=\"{}\">{}{measured}</td>",
                    verdict_class(cell.verdict),
                    if cell.claimed_but_broken {
                        " broken"
                    } else {
                        ""
                    },
                    esc(&cell_title(cell)),
                    symbol(cell.verdict),
                ));
            }
            let ratio = if row.judged == 0 {
                0.0
            } else {
                row.meeting as f64 * 100.0 / row.judged as f64
            };
            page.push_str(&format!(
                "<td class=\"meets\"><span{} style=\"--ratio:{ratio:.0}%\">{}/{}</span></td></tr>\n",
                if row.judged == 0 { " class=\"none\"" } else { "" },
                row.meeting,
                row.judged
            ));
        }
        page.push_str("</tbody>\n");
    }
    page.push_str("<tfoot><tr><th class=\"req\">Score <small>weighted pass ratio: MUST 3, SHOULD 2, MAY 1</small></th><td></td>");
    for &index in shown {
        let device = matrix.columns[index];
        page.push_str(&format!(
            "<td class=\"total\" style=\"--hue:{}\">{}</td>",
            score_hue(device.score.percent),
            esc(&score_text(device))
        ));
    }
    page.push_str("<td></td></tr></tfoot>\n</table></div>\n");
}

/// The fleet view, for more device columns than a screen holds; returns the columns the
/// matrix shows first: the devices failing the most MUST requirements, then the lowest
/// scores.
fn fleet_view(matrix: &Matrix<'_>, page: &mut String) -> Vec<usize> {
    let columns = &matrix.columns;
    let mut must_fails = vec![0usize; columns.len()];
    for row in matrix.rows() {
        if row.requirement.level.as_str() != "must" {
            continue;
        }
        for (index, cell) in row.cells.iter().enumerate() {
            if cell.verdict == Some(Verdict::Fail) {
                must_fails[index] += 1;
            }
        }
    }
    let mut worst: Vec<usize> = (0..columns.len()).collect();
    worst.sort_by(|a, b| {
        must_fails[*b].cmp(&must_fails[*a]).then(
            columns[*a]
                .score
                .percent
                .unwrap_or(101.0)
                .total_cmp(&columns[*b].score.percent.unwrap_or(101.0)),
        )
    });
    page.push_str(&format!(
        "<section class=\"fleet\" aria-label=\"Fleet\"><h2>Fleet: {} device columns</h2><p class=\"meta\">More than {FLEET_VIEW_ABOVE}, so the page opens on the fleet; the matrix below shows {FLEET_COLUMNS} columns at a time, the devices failing the most MUST requirements first. Choose a device in the list to put its column there.</p>\n<div class=\"fleet-grid\">",
        columns.len()
    ));
    // The score distribution, in tenths.
    let mut buckets = [0usize; 11];
    for device in columns {
        match device.score.percent {
            Some(p) if device.unreachable.is_none() => {
                buckets[((p / 10.0).floor() as usize).min(9)] += 1;
            }
            _ => buckets[10] += 1,
        }
    }
    let top = buckets.iter().copied().max().unwrap_or(1).max(1);
    page.push_str(
        "<figure class=\"histogram\"><figcaption>Scores</figcaption><div class=\"bars\">",
    );
    for (tenth, count) in buckets.iter().enumerate() {
        let (label, hue) = if tenth == 10 {
            ("n/a".to_owned(), score_hue(None))
        } else {
            (
                format!("{}–{}%", tenth * 10, tenth * 10 + 10),
                score_hue(Some(tenth as f64 * 10.0 + 5.0)),
            )
        };
        page.push_str(&format!(
            "<div class=\"bar\" title=\"{label}: {count}\"><span style=\"height:{:.0}%;background:{hue}\"></span><b>{count}</b><small>{label}</small></div>",
            *count as f64 * 100.0 / top as f64
        ));
    }
    page.push_str("</div></figure>\n");
    // The devices failing MUST requirements.
    let failing: Vec<usize> = worst
        .iter()
        .copied()
        .filter(|i| must_fails[*i] > 0)
        .collect();
    page.push_str(&format!(
        "<div class=\"must-fails\"><h3>{} fail MUST requirements</h3><ol>",
        failing.len()
    ));
    for &index in failing.iter().take(20) {
        page.push_str(&format!(
            "<li><button type=\"button\" data-device=\"{index}\">{}</button> {} MUST</li>",
            esc(&columns[index].id),
            must_fails[index]
        ));
    }
    if failing.len() > 20 {
        page.push_str(&format!(
            "<li class=\"more\">and {} more (the list below, sorted by its MUST column)</li>",
            failing.len() - 20
        ));
    }
    page.push_str("</ol></div>\n");
    // Claimed but broken, by the capability the scenario needed.
    let mut by_capability: std::collections::BTreeMap<&str, std::collections::BTreeSet<&str>> =
        std::collections::BTreeMap::new();
    for result in matrix
        .results
        .results
        .iter()
        .filter(|r| r.claimed_but_broken)
    {
        for need in &result.needs {
            by_capability
                .entry(need.as_str())
                .or_default()
                .insert(result.device.as_str());
        }
    }
    page.push_str("<div class=\"broken-caps\"><h3>Claimed but broken, by capability</h3>");
    if by_capability.is_empty() {
        page.push_str("<p class=\"meta\">none</p>");
    } else {
        page.push_str("<table><tr><th>capability</th><th>devices</th></tr>");
        let mut ranked: Vec<_> = by_capability.into_iter().collect();
        ranked.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
        for (capability, devices) in ranked {
            page.push_str(&format!(
                "<tr><td><code>{}</code></td><td>{}</td></tr>",
                esc(capability),
                devices.len()
            ));
        }
        page.push_str("</table>");
    }
    page.push_str("</div>\n</div>\n");
    // Each requirement's pass share.
    page.push_str(
        "<details class=\"shares\"><summary>Each requirement's pass share</summary><table>",
    );
    for row in matrix.rows() {
        let count = |verdict: Verdict| {
            row.cells
                .iter()
                .filter(|c| c.verdict == Some(verdict))
                .count()
        };
        let (pass, fail) = (count(Verdict::Pass), count(Verdict::Fail));
        let share = if row.judged == 0 {
            0.0
        } else {
            pass as f64 * 100.0 / row.judged as f64
        };
        page.push_str(&format!(
            "<tr><th><code>{}</code> {}</th><td class=\"level {}\">{}</td><td class=\"share\"><span style=\"--ratio:{share:.0}%\">{pass} pass · {fail} fail</span></td></tr>",
            esc(&row.requirement.id),
            esc(&row.requirement.title),
            row.requirement.level,
            row.requirement.level.as_str().to_uppercase()
        ));
    }
    page.push_str("</table></details>\n");
    // Every device, searchable.
    page.push_str("<h3>Devices</h3><form class=\"device-search\" role=\"search\"><label>Find <input type=\"search\" name=\"device\" placeholder=\"name, protocol, identity\"></label> <span class=\"found\"></span></form>\n<div class=\"device-list-scroll\"><table class=\"device-list\"><thead><tr><th>Device</th><th>Score</th><th>pass</th><th>fail</th><th>MUST fails</th><th>claimed but broken</th><th>Configuration</th></tr></thead><tbody>\n");
    for (index, device) in columns.iter().enumerate() {
        let s = &device.score;
        page.push_str(&format!(
            "<tr data-device=\"{index}\" data-score=\"{}\" data-text=\"{}\" tabindex=\"0\"><td>{}</td><td style=\"color:{}\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            esc(&score_text(device)),
            esc(&format!("{} {}", device.id, identity_text(device)).to_lowercase()),
            esc(&device.id),
            score_hue(s.percent),
            esc(&score_text(device)),
            s.pass,
            s.fail,
            must_fails[index],
            s.claimed_but_broken,
            esc(&safety_text(device)),
        ));
    }
    page.push_str("</tbody></table></div>\n</section>\n");
    worst.truncate(FLEET_COLUMNS);
    worst
}

fn cell_title(cell: &rfc3535_score::Cell<'_>) -> String {
    let verdict = cell.verdict.map_or("not in this run", Verdict::as_str);
    let mut title = verdict.to_owned();
    if cell.claimed_but_broken {
        title.push_str(" (claimed but broken)");
    }
    if let Some(measured) = &cell.measurement {
        title.push_str(&format!(" · {measured}"));
    }
    title
}

/// What each device announces that the run did not check: the limit of its verdicts.
fn unchecked_list(matrix: &Matrix<'_>, page: &mut String) {
    let mut items = String::new();
    for device in &matrix.columns {
        for claim in &device.unchecked_claims {
            items.push_str(&format!(
                "<li><b>{}</b> claims <code>{}</code>: {}</li>\n",
                esc(&device.id),
                esc(&claim.claim),
                esc(&claim.why)
            ));
        }
    }
    if !items.is_empty() {
        page.push_str("<section class=\"unchecked-list\"><h2>Claimed, not checked</h2><ul>\n");
        page.push_str(&items);
        page.push_str("</ul></section>\n");
    }
}

/// The claimed-but-broken findings, the list a vendor reads first.
fn broken_list(matrix: &Matrix<'_>, page: &mut String) {
    let mut items = String::new();
    for row in matrix.rows() {
        for (cell, device) in row.cells.iter().zip(&matrix.columns) {
            if !cell.claimed_but_broken {
                continue;
            }
            for &index in &cell.scenarios {
                let scenario = &matrix.results.results[index];
                if scenario.claimed_but_broken {
                    items.push_str(&format!(
                        "<li><b>{}</b> on <b>{}</b> claims {} but fails “{}”: {}</li>\n",
                        esc(&row.requirement.id),
                        esc(&device.id),
                        esc(&scenario.needs.join(", ")),
                        esc(&scenario.scenario),
                        esc(&scenario.message)
                    ));
                }
            }
        }
    }
    if !items.is_empty() {
        page.push_str("<section class=\"broken-list\"><h2>Claimed but broken</h2><ul>\n");
        page.push_str(&items);
        page.push_str("</ul></section>\n");
    }
}
