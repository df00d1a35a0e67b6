//! What a long run shows while it runs, as the engine's [`RunObserver`]. On a terminal: one
//! indicatif line (scenarios done of all, devices done, failures and errors so far) with each
//! failure or error printed above it. Elsewhere (CI logs, a pipe): one plain line per
//! scenario, so a log shows it is alive. Devices as they are prepared, warnings and the
//! phases go to stderr either way.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rfc3535_harness::engine::RunObserver;
use rfc3535_harness::records::Prepared;
use rfc3535_score::Verdict;

#[derive(Debug, Default)]
pub struct Progress {
    /// Made when the run knows how many scenarios it will run; `None` off a terminal.
    bar: OnceLock<Option<ProgressBar>>,
    devices_total: AtomicUsize,
    devices_done: AtomicUsize,
    failures: AtomicUsize,
    errors: AtomicUsize,
}

impl Progress {
    fn bar(&self) -> Option<&ProgressBar> {
        self.bar.get().and_then(Option::as_ref)
    }

    fn refresh(&self) {
        if let Some(bar) = self.bar() {
            bar.set_message(format!(
                "devices {}/{} done · {} fail · {} error",
                self.devices_done.load(Ordering::Relaxed),
                self.devices_total.load(Ordering::Relaxed),
                self.failures.load(Ordering::Relaxed),
                self.errors.load(Ordering::Relaxed),
            ));
        }
    }

    /// A line above the bar, or on stderr.
    fn say(&self, line: &str) {
        match self.bar() {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }
}

impl RunObserver for Progress {
    fn started(&self, scenarios: usize, devices: usize) {
        eprintln!("rfc3535 run: {scenarios} scenario(s) against {devices} device(s)");
    }

    fn prepared(&self, device: &Prepared) {
        if let Some(problem) = &device.snapshot_problem {
            eprintln!("  {}: warning: {problem}", device.target.name);
        }
        match (&device.unreachable, &device.broken) {
            (Some(why), _) => eprintln!("  {}: not tested: {why}", device.target.name),
            (None, Some(how)) => eprintln!("  {}: broke the protocol: {how}", device.target.name),
            (None, None) => eprintln!(
                "  {}: claims {}",
                device.target.name,
                device.claims.names().join(", ")
            ),
        }
    }

    fn planned(&self, runs: usize, devices: usize) {
        self.devices_total.store(devices, Ordering::Relaxed);
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(
                Some(runs as u64),
                ProgressDrawTarget::stderr_with_hz(8),
            );
            bar.set_style(
                ProgressStyle::with_template(
                    "  [{elapsed_precise}] {bar:30.cyan/blue} {pos}/{len} scenarios · {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("█▓░"),
            );
            bar.enable_steady_tick(Duration::from_millis(250));
            bar
        });
        let _ = self.bar.set(bar);
        self.refresh();
    }

    fn scenario_done(&self, device: &str, verdict: Verdict, scenario: &str) {
        match verdict {
            Verdict::Fail => self.failures.fetch_add(1, Ordering::Relaxed),
            Verdict::Error => self.errors.fetch_add(1, Ordering::Relaxed),
            _ => 0,
        };
        let line = format!("  {device:<22} {:<15} {scenario}", verdict.as_str());
        match self.bar() {
            Some(bar) => {
                if matches!(verdict, Verdict::Fail | Verdict::Error) {
                    bar.println(line);
                }
                bar.inc(1);
                self.refresh();
            }
            None => eprintln!("{line}"),
        }
    }

    fn device_done(&self) {
        self.devices_done.fetch_add(1, Ordering::Relaxed);
        self.refresh();
    }

    fn restoring(&self) {
        if let Some(bar) = self.bar() {
            bar.finish_and_clear();
        }
        eprintln!("restoring and verifying each device's configuration");
    }

    fn interrupted(&self) {
        self.say(
            "\ninterrupted: stopping scenarios, restoring devices, writing what was collected",
        );
    }

    fn warning(&self, text: &str) {
        self.say(&format!("warning: {text}"));
    }
}
