//! What a long run shows while it runs. On a terminal: one indicatif line (scenarios done of
//! all, devices done, failures and errors so far) with each failure or error printed above
//! it. Elsewhere (CI logs, a pipe): one plain line per scenario, so a log shows it is alive.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rfc3535_score::Verdict;

#[derive(Debug)]
pub struct Progress {
    bar: Option<ProgressBar>,
    devices_total: usize,
    devices_done: AtomicUsize,
    failures: AtomicUsize,
    errors: AtomicUsize,
}

impl Progress {
    /// `scenarios`: every (device, scenario) the run will execute.
    pub fn new(scenarios: usize, devices: usize) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(
                Some(scenarios as u64),
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
        let progress = Progress {
            bar,
            devices_total: devices,
            devices_done: AtomicUsize::new(0),
            failures: AtomicUsize::new(0),
            errors: AtomicUsize::new(0),
        };
        progress.refresh();
        progress
    }

    fn refresh(&self) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!(
                "devices {}/{} done · {} fail · {} error",
                self.devices_done.load(Ordering::Relaxed),
                self.devices_total,
                self.failures.load(Ordering::Relaxed),
                self.errors.load(Ordering::Relaxed),
            ));
        }
    }

    /// A scenario reached its verdict on a device (or on the fleet).
    pub fn scenario_done(&self, device: &str, verdict: Verdict, scenario: &str) {
        match verdict {
            Verdict::Fail => self.failures.fetch_add(1, Ordering::Relaxed),
            Verdict::Error => self.errors.fetch_add(1, Ordering::Relaxed),
            _ => 0,
        };
        let line = format!("  {device:<22} {:<15} {scenario}", verdict.as_str());
        match &self.bar {
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

    /// A device finished its single-device scenarios.
    pub fn device_done(&self) {
        self.devices_done.fetch_add(1, Ordering::Relaxed);
        self.refresh();
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
