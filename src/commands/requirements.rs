//! `rfc3535 requirements`: the catalogue; with `--coverage` which scenarios cover each
//! requirement and why some have none yet; with `--questionnaire` a template answers file for
//! the requirements a device check cannot settle.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use rfc3535_harness::catalogue::Catalogue;

use crate::UsageError;

#[derive(Debug, Args)]
pub struct RequirementsArgs {
    /// Show which scenarios cover each requirement, and which have none yet and why.
    #[arg(long)]
    coverage: bool,

    /// Print a template answers file for the evidence questionnaire (the manual
    /// requirements), for the device named by --device; answer it and pass it to
    /// `rfc3535 run --answers FILE` or `rfc3535 report --answers FILE`.
    #[arg(long, conflicts_with = "coverage")]
    questionnaire: bool,

    /// The device the questionnaire template is for (its name in the run).
    #[arg(
        long,
        value_name = "NAME",
        default_value = "DEVICE",
        requires = "questionnaire"
    )]
    device: String,

    /// The features directory [default: ./features, else the one this binary was built from].
    #[arg(long, value_name = "DIR")]
    features: Option<PathBuf>,
}

pub fn list_requirements(args: &RequirementsArgs) -> Result<ExitCode> {
    let dir = args
        .features
        .clone()
        .unwrap_or_else(super::default_features_dir);
    let catalogue = Catalogue::load(&dir).map_err(|e| UsageError(e.into()))?;
    if args.questionnaire {
        super::emit(&rfc3535_score::Answers::template(
            &catalogue.registry,
            &args.device,
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = String::new();
    let mut group = "";
    for requirement in &catalogue.registry.requirements {
        if requirement.group != group {
            group = &requirement.group;
            out.push_str(&format!("\n{group}\n"));
        }
        let scenarios: Vec<String> = catalogue
            .scenarios
            .iter()
            .filter(|s| s.requirements.contains(&requirement.id))
            .map(|s| s.label())
            .collect();
        let coverage = match requirement.kind {
            rfc3535_score::RequirementKind::Manual => format!(
                "manual ({})",
                requirement.question.as_deref().unwrap_or("?")
            ),
            _ if scenarios.is_empty() => match &requirement.not_yet_covered {
                Some(_) => "not yet covered".to_owned(),
                None => "none".to_owned(),
            },
            _ => format!("{} scenario(s)", scenarios.len()),
        };
        out.push_str(&format!(
            "  {:<26} {:<6} {:<22} {}\n",
            requirement.id,
            requirement.level.as_str(),
            coverage,
            requirement.title
        ));
        if args.coverage {
            for scenario in &scenarios {
                out.push_str(&format!("      - {scenario}\n"));
            }
            if let (true, Some(why)) = (scenarios.is_empty(), &requirement.not_yet_covered) {
                out.push_str(&format!("      (not yet covered: {why})\n"));
            }
            if !requirement.aliases.is_empty() {
                out.push_str(&format!(
                    "      also known as {}\n",
                    requirement.aliases.join(", ")
                ));
            }
        }
    }
    if args.coverage {
        let uncovered: Vec<&rfc3535_score::Requirement> = catalogue
            .registry
            .requirements
            .iter()
            .filter(|r| r.kind == rfc3535_score::RequirementKind::Device)
            .filter(|r| {
                !catalogue
                    .scenarios
                    .iter()
                    .any(|s| s.requirements.contains(&r.id))
            })
            .collect();
        let listed = |with_reason: bool| -> String {
            let ids: Vec<&str> = uncovered
                .iter()
                .filter(|r| r.not_yet_covered.is_some() == with_reason)
                .map(|r| r.id.as_str())
                .collect();
            if ids.is_empty() {
                "none".to_owned()
            } else {
                ids.join(", ")
            }
        };
        let manual = catalogue
            .registry
            .requirements
            .iter()
            .filter(|r| r.kind == rfc3535_score::RequirementKind::Manual)
            .count();
        out.push_str(&format!(
            "\n{} requirement(s) ({manual} answered by the questionnaire), {} scenario(s)\n\
             device requirements not yet covered, with the reason above: {}\n\
             device requirements with no scenario and no reason: {}\n",
            catalogue.registry.requirements.len(),
            catalogue.scenarios.len(),
            listed(true),
            listed(false),
        ));
    }
    super::emit(&out)?;
    Ok(ExitCode::SUCCESS)
}
