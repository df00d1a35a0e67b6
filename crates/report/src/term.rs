//! The matrix for a terminal: one table (tabled) fitted to a width, with the device columns
//! split into pages when they do not fit, then a per-device account of what failed and why.
//! Colour (ANSI) only when asked; the CLI asks when stdout is a terminal.

use anstyle::{AnsiColor, Style};
use rfc3535_score::{DeviceEntry, Matrix, Results, Verdict};
use tabled::builder::Builder;
use tabled::settings::object::{Columns, Rows};
use tabled::settings::{Alignment, Modify, Style as TableStyle};

use crate::{abbreviate, headline, safety_text, score_cell, symbol, Options, LEGEND};

/// Narrowest a title column gets before titles are left out of the table.
const TITLE_MIN: usize = 18;
/// Width of a device column: a symbol, a marker and a short measured value.
const DEVICE_WIDTH: usize = 9;
/// What the psql-like style adds per column.
const SEPARATOR: usize = 3;
/// Above this many devices the terminal shows the fleet view (requirements and devices as
/// two summary tables): a matrix of more pages than this is read in the HTML report instead.
pub const FLEET_VIEW_ABOVE: usize = 24;

fn paint(color: bool, style: Style, text: &str) -> String {
    if color {
        format!("{}{text}{}", style.render(), style.render_reset())
    } else {
        text.to_owned()
    }
}

fn verdict_style(verdict: Option<Verdict>) -> Style {
    let color = match verdict {
        Some(Verdict::Pass) => AnsiColor::Green,
        Some(Verdict::Fail) => AnsiColor::Red,
        Some(Verdict::Skipped) => AnsiColor::Yellow,
        Some(Verdict::Error) => AnsiColor::Magenta,
        Some(Verdict::Manual) => AnsiColor::Blue,
        Some(Verdict::NotApplicable) | None => AnsiColor::BrightBlack,
    };
    Style::new().fg_color(Some(color.into()))
}

/// The cell text: symbol, `*` when claimed but broken, and the measured value.
fn cell_text(cell: &rfc3535_score::Cell<'_>, color: bool) -> String {
    let mut text = symbol(cell.verdict).to_owned();
    if cell.claimed_but_broken {
        text.push('*');
    }
    if let Some(measured) = &cell.measurement {
        text.push(' ');
        text.push_str(&abbreviate(
            &crate::short_measure(measured),
            DEVICE_WIDTH - 3,
        ));
    }
    paint(color, verdict_style(cell.verdict), &text)
}

/// Prose wrapped to the width, continuation lines indented by `indent`.
fn wrap(text: &str, width: usize, indent: &str) -> String {
    let options = textwrap::Options::new(width.max(20))
        .subsequent_indent(indent)
        .word_splitter(textwrap::WordSplitter::NoHyphenation);
    let mut out = textwrap::fill(text, options);
    out.push('\n');
    out
}

/// A device name over at most three header lines of [`DEVICE_WIDTH`], broken after `-`, `_`
/// or `.` where it can be, so that two devices named alike stay apart.
fn header_name(name: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for piece in name.split_inclusive(['-', '_', '.']) {
        if current.chars().count() + piece.chars().count() > DEVICE_WIDTH && !current.is_empty() {
            lines.push(std::mem::take(&mut current));
        }
        current.push_str(piece);
        while current.chars().count() > DEVICE_WIDTH {
            let head: String = current.chars().take(DEVICE_WIDTH).collect();
            let tail: String = current.chars().skip(DEVICE_WIDTH).collect();
            lines.push(head);
            current = tail;
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    if lines.len() > 3 {
        lines.truncate(3);
        lines[2] = abbreviate(&format!("{}~", lines[2]), DEVICE_WIDTH);
    }
    lines.join("\n")
}

/// The whole terminal rendering: headline, matrix page(s), legend, devices, findings.
pub fn render(results: &Results, options: &Options) -> String {
    let matrix = Matrix::new(results);
    let width = options.width.max(60);
    let mut out = paint(
        options.color,
        Style::new().bold(),
        &wrap(
            &format!("rfc3535 interoperability matrix · {}", headline(results)),
            width,
            "  ",
        ),
    );
    if results.devices.is_empty() || results.requirements.is_empty() {
        out.push_str("\nnothing to show: the run holds no device or no requirement\n");
        return out;
    }
    if results.devices.len() > FLEET_VIEW_ABOVE {
        out.push_str(&fleet_view(&matrix, width, options));
        return out;
    }

    // The requirement, level and meets columns, with their separators.
    let id_width = results
        .requirements
        .iter()
        .map(|r| r.id.chars().count())
        .max()
        .unwrap_or(8)
        .max("Requirement".len());
    let fixed = (id_width + SEPARATOR) + ("SHOULD".len() + SEPARATOR) + ("Meets".len() + SEPARATOR);
    let room = width.saturating_sub(fixed);
    let device_column = DEVICE_WIDTH + SEPARATOR;
    let with_title_fits = room.saturating_sub(TITLE_MIN + SEPARATOR) / device_column;
    // Titles stay unless they would push a small lab's devices onto several pages.
    let (with_title, per_page) = if with_title_fits >= results.devices.len().min(3) {
        (true, with_title_fits.max(1))
    } else {
        (false, (room / device_column).max(1))
    };
    // Pages as even as they can be: 5 devices in pages of 3 are 3 + 2, not 4 + 1.
    let page_count = matrix.columns.len().div_ceil(per_page);
    let per_page = matrix.columns.len().div_ceil(page_count);
    let columns: Vec<usize> = (0..matrix.columns.len()).collect();
    let pages: Vec<&[usize]> = columns.chunks(per_page).collect();
    for page in &pages {
        if pages.len() > 1 {
            let (first, last) = (page[0] + 1, page[page.len() - 1] + 1);
            out.push_str(&if first == last {
                format!("\ndevice {first} of {}\n", matrix.columns.len())
            } else {
                format!("\ndevices {first}-{last} of {}\n", matrix.columns.len())
            });
        }
        out.push('\n');
        out.push_str(&page_table(
            &matrix, page, with_title, width, id_width, options,
        ));
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&wrap(LEGEND, width, ""));
    out.push_str(&devices_section(&matrix, width, options.color));
    out
}

/// One page of the matrix: the requirement columns and the given device columns, titles
/// wrapped into whatever width the other columns leave. Titles are wrapped here (textwrap,
/// which drops the space at a break) rather than by tabled, which keeps it.
fn page_table(
    matrix: &Matrix<'_>,
    page: &[usize],
    with_title: bool,
    width: usize,
    id_width: usize,
    options: &Options,
) -> String {
    if !with_title {
        return build_page(matrix, page, None, id_width, options).to_string();
    }
    // First without titles, to learn what the other columns take.
    let bare = build_page(matrix, page, Some(&|_| String::new()), id_width, options);
    let title_width = width
        .saturating_sub(bare.total_width() - SCORE_LABEL.len())
        .max(TITLE_MIN);
    let wrap_title = |title: &str| -> String {
        textwrap::fill(
            title,
            textwrap::Options::new(title_width)
                .word_splitter(textwrap::WordSplitter::NoHyphenation),
        )
    };
    build_page(matrix, page, Some(&wrap_title), id_width, options).to_string()
}

/// What the score row says in the title column.
const SCORE_LABEL: &str = "weighted pass ratio";

fn build_page(
    matrix: &Matrix<'_>,
    page: &[usize],
    title: Option<&dyn Fn(&str) -> String>,
    id_width: usize,
    options: &Options,
) -> tabled::Table {
    let mut builder = Builder::new();
    let mut header = vec!["Requirement".to_owned()];
    if title.is_some() {
        header.push("Title".to_owned());
    }
    header.push("Level".to_owned());
    for &column in page {
        let device = matrix.columns[column];
        header.push(format!(
            "{}\n{}",
            header_name(&device.name),
            abbreviate(&device.protocol, DEVICE_WIDTH)
        ));
    }
    header.push("Meets".to_owned());
    builder.push_record(header);

    for group in &matrix.groups {
        let mut record = vec![paint(options.color, Style::new().bold(), group.name)];
        record.extend(std::iter::repeat_n(
            String::new(),
            page.len() + 2 + usize::from(title.is_some()),
        ));
        builder.push_record(record);
        for row in &group.rows {
            let requirement = row.requirement;
            let mut record = vec![abbreviate(&requirement.id, id_width)];
            if let Some(title) = title {
                record.push(title(&requirement.title));
            }
            record.push(requirement.level.as_str().to_uppercase());
            for &column in page {
                record.push(cell_text(&row.cells[column], options.color));
            }
            record.push(format!("{}/{}", row.meeting, row.judged));
            builder.push_record(record);
        }
    }
    let mut score = vec!["Score".to_owned()];
    if title.is_some() {
        score.push(SCORE_LABEL.to_owned());
    }
    score.push(String::new());
    for &column in page {
        score.push(abbreviate(
            &score_cell(matrix.columns[column]),
            DEVICE_WIDTH,
        ));
    }
    score.push(String::new());
    builder.push_record(score);

    let mut table = builder.build();
    table.with(TableStyle::psql());
    let first_device = 2 + usize::from(title.is_some());
    table.with(
        Modify::new(Columns::new(first_device..first_device + page.len() + 1))
            .with(Alignment::center()),
    );
    table.with(Modify::new(Rows::first()).with(Alignment::center()));
    table
}

/// For a large fleet: per requirement, how many devices got each verdict; per device, its
/// score and counts. Two tables of (requirements + devices) rows instead of a matrix of
/// requirements × devices cells, which no terminal shows readably.
fn fleet_view(matrix: &Matrix<'_>, width: usize, options: &Options) -> String {
    let mut out = format!(
        "\n{} devices: more than {FLEET_VIEW_ABOVE}, so the terminal shows the fleet view; \
         the full matrix is in the HTML and Markdown reports.\n\n",
        matrix.columns.len()
    );
    let mut requirements = Builder::new();
    requirements.push_record([
        "Requirement",
        "Level",
        "✔ pass",
        "✘ fail",
        "– n/a",
        "↷ skip",
        "! error",
        "? manual",
        "Meets",
    ]);
    for group in &matrix.groups {
        let mut record = vec![paint(options.color, Style::new().bold(), group.name)];
        record.extend(std::iter::repeat_n(String::new(), 8));
        requirements.push_record(record);
        for row in &group.rows {
            let count = |verdict: Verdict| {
                row.cells
                    .iter()
                    .filter(|c| c.verdict == Some(verdict))
                    .count()
                    .to_string()
            };
            requirements.push_record([
                row.requirement.id.clone(),
                row.requirement.level.as_str().to_uppercase(),
                count(Verdict::Pass),
                count(Verdict::Fail),
                count(Verdict::NotApplicable),
                count(Verdict::Skipped),
                count(Verdict::Error),
                count(Verdict::Manual),
                format!("{}/{}", row.meeting, row.judged),
            ]);
        }
    }
    let mut table = requirements.build();
    table.with(TableStyle::psql());
    table.with(Modify::new(Columns::new(2..)).with(Alignment::right()));
    out.push_str(&table.to_string());
    out.push_str("\n\n");

    let mut devices = Builder::new();
    devices.push_record([
        "Device",
        "Score",
        "pass",
        "fail",
        "n/a",
        "skip",
        "error",
        "broken",
        "Configuration",
    ]);
    for device in &matrix.columns {
        let s = &device.score;
        devices.push_record([
            abbreviate(&device.id, 28),
            score_cell(device),
            s.pass.to_string(),
            s.fail.to_string(),
            s.not_applicable.to_string(),
            s.skipped.to_string(),
            s.error.to_string(),
            s.claimed_but_broken.to_string(),
            abbreviate(&safety_text(device), width.saturating_sub(90).max(12)),
        ]);
    }
    let mut table = devices.build();
    table.with(TableStyle::psql());
    table.with(Modify::new(Columns::new(1..8)).with(Alignment::right()));
    out.push_str(&table.to_string());
    out.push('\n');
    out
}

/// Per device: identity, score, counts, what failed or could not be judged, and the
/// configuration check.
fn devices_section(matrix: &Matrix<'_>, width: usize, color: bool) -> String {
    let results = matrix.results;
    let mut out = String::new();
    for device in &matrix.columns {
        out.push_str(&device_account(results, device, width, color));
    }
    out
}

fn device_account(results: &Results, device: &DeviceEntry, width: usize, color: bool) -> String {
    // Lines are wrapped before colour is added, so escapes never count as width.
    let line = |label: Option<(Verdict, &str)>, text: &str| -> String {
        let prefix = label.map_or(String::new(), |(_, l)| format!("{l} "));
        let wrapped = wrap(&format!("  {prefix}{text}"), width, "        ");
        match label {
            Some((verdict, l)) if color => {
                wrapped.replacen(l, &paint(true, verdict_style(Some(verdict)), l), 1)
            }
            _ => wrapped,
        }
    };
    let s = &device.score;
    let mut out = format!(
        "\n{}  {}  {}\n",
        paint(color, Style::new().bold(), &device.id),
        score_cell(device),
        [crate::identity_text(device), device.address.clone()]
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(", ")
    );
    if let Some(why) = &device.unreachable {
        out.push_str(&line(None, &format!("not tested: {why}")));
    }
    if let Some(how) = &device.broken {
        out.push_str(&line(None, &format!("broke the protocol: {how}")));
    }
    let undecided = if s.undecided > 0 {
        format!("; undecided scenarios: {}", s.undecided)
    } else {
        String::new()
    };
    out.push_str(&line(None, &format!(
        "requirements: {} pass, {} fail, {} not applicable, {} skipped, {} error, {} manual; claimed but broken: {}{undecided}",
        s.pass, s.fail, s.not_applicable, s.skipped, s.error, s.manual, s.claimed_but_broken
    )));
    if device.unreachable.is_none() {
        for (verdict, label) in [
            (Verdict::Fail, "FAIL "),
            (Verdict::Error, "ERROR"),
            (Verdict::Skipped, "SKIP "),
        ] {
            let mut seen: Vec<&str> = Vec::new();
            for r in results
                .results
                .iter()
                .filter(|r| r.device == device.id && r.verdict == verdict)
            {
                // A scenario serving several requirements is listed once.
                if seen.contains(&r.scenario.as_str()) {
                    continue;
                }
                seen.push(&r.scenario);
                out.push_str(&line(
                    Some((verdict, label)),
                    &format!(
                        "{}{}: {}",
                        r.scenario,
                        if r.claimed_but_broken {
                            " (claimed but broken)"
                        } else {
                            ""
                        },
                        r.message
                    ),
                ));
            }
        }
        for r in results.requirement_results.iter().filter(|r| {
            r.device == device.id && r.verdict == Verdict::Fail && r.message.starts_with("a MUST")
        }) {
            out.push_str(&line(
                Some((Verdict::Fail, "FAIL ")),
                &format!("{}: {}", r.requirement, r.message),
            ));
        }
    }
    out.push_str(&line(
        None,
        &format!("configuration: {}", safety_text(device)),
    ));
    out
}
