//! Renders a results.json in one format to stdout: `cargo run -p rfc3535-report --example
//! render -- RESULTS.json FORMAT [WIDTH]`. For looking at a renderer while working on it.

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(path), Some(format)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: render RESULTS.json term|md|json|junit|html [WIDTH]");
        std::process::exit(2);
    };
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let results = match rfc3535_report::Results::from_json(&text) {
        Ok(results) => results,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(2);
        }
    };
    let format: rfc3535_report::Format = format.parse().unwrap_or(rfc3535_report::Format::Term);
    let options = rfc3535_report::Options {
        width: args.get(3).and_then(|w| w.parse().ok()).unwrap_or(120),
        ..rfc3535_report::Options::default()
    };
    print!("{}", rfc3535_report::render(format, &results, &options));
}
