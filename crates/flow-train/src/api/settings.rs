//! Settings of a training run by name: `flow-train train`'s flags in snake_case
//! (`max_epochs` is `--max-epochs`), read by the same parser, so that a program (or the
//! Python package) and the command line mean the same thing by each.

use clap::{ArgAction, Args, Command, FromArgMatches};

use crate::cli::TrainArgs;
use crate::error::FlowError;

/// Named settings of a training run, in the order given; a later value of a name replaces an
/// earlier one.
///
/// ```
/// use flow_train::api::Settings;
///
/// let settings = Settings::new().with("flow", "maf").with("hidden", 64).with("direct", true);
/// let args = settings.train_args().unwrap();
/// assert_eq!(args.model.hidden, Some(64));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    entries: Vec<(String, String)>,
}

impl Settings {
    /// No settings: every value from the preset.
    pub fn new() -> Self {
        Self::default()
    }

    /// These settings with `name` set to `value` (numbers, `true`/`false`, names; a list as
    /// its items joined by commas, as the command line writes it).
    pub fn with(mut self, name: &str, value: impl ToString) -> Self {
        self.set(name, value.to_string());
        self
    }

    /// Sets `name` to `value`, replacing an earlier value.
    pub fn set(&mut self, name: &str, value: String) {
        self.entries.retain(|(n, _)| n != name);
        self.entries.push((name.to_string(), value));
    }

    /// The value of `name`, if set.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The names set, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(n, _)| n.as_str())
    }

    /// These settings and then `other`'s (which win where both name a setting).
    pub fn merged(&self, other: &Settings) -> Settings {
        let mut merged = self.clone();
        for (name, value) in &other.entries {
            merged.set(name, value.clone());
        }
        merged
    }

    /// The flags of `flow-train train` these settings give, parsed and checked as the command
    /// line parses them (not yet applied to a preset: see [`TrainArgs::config`]).
    pub fn train_args(&self) -> Result<TrainArgs, FlowError> {
        let command = TrainArgs::augment_args(Command::new("train").no_binary_name(true));
        let mut argv = Vec::new();
        for (name, value) in &self.entries {
            let flag = name.replace('_', "-");
            let arg = command
                .get_arguments()
                .find(|a| a.get_long() == Some(flag.as_str()))
                .ok_or_else(|| unknown(name, &command))?;
            match arg.get_action() {
                ArgAction::SetTrue => match value.as_str() {
                    "true" => argv.push(format!("--{flag}")),
                    "false" => {}
                    other => {
                        return Err(FlowError::InvalidSetting(format!(
                            "{name} is true or false, not `{other}`"
                        )));
                    }
                },
                _ => argv.push(format!("--{flag}={value}")),
            }
        }
        let matches = command
            .try_get_matches_from(argv)
            .map_err(|e| FlowError::InvalidSetting(clap_message(&e.to_string())))?;
        TrainArgs::from_arg_matches(&matches)
            .map_err(|e| FlowError::InvalidSetting(clap_message(&e.to_string())))
    }
}

/// The error of a setting that `train` has no flag for, listing those it has.
fn unknown(name: &str, command: &Command) -> FlowError {
    let known: Vec<String> = command
        .get_arguments()
        .filter_map(|a| a.get_long())
        .map(|long| long.replace('-', "_"))
        .collect();
    FlowError::InvalidSetting(format!(
        "unknown setting `{name}` (the settings are flow-train train's flags in snake_case: {})",
        known.join(", ")
    ))
}

/// Clap's report in one line, without its `error: ` prefix and usage: its first line, and
/// the line after it when the first ends in a colon (the arguments it lists).
fn clap_message(report: &str) -> String {
    let mut lines = report.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or_default();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    match lines.next() {
        Some(next) if first.ends_with(':') => format!("{first} {next}"),
        _ => first.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_flags_in_snake_case_and_values_are_parsed_as_the_flags_are() {
        let args = Settings::new()
            .with("flow", "nsf")
            .with("max_epochs", 7)
            .with("lr", 0.003)
            .with("context_embedding", "16,8")
            .with("data", "x.csv")
            .with("dequantize", true)
            .with("standardize", false)
            .train_args()
            .unwrap();
        assert_eq!(args.run.max_epochs, Some(7));
        assert_eq!(args.run.lr, Some(0.003));
        assert_eq!(args.context_embedding, Some(vec![16, 8]));
        assert!(args.dequantize);
        assert_eq!(args.standardize, Some(false));
    }

    #[test]
    fn an_unknown_name_or_a_bad_value_is_refused_in_one_line() {
        let unknown = Settings::new().with("epochs", 3).train_args().unwrap_err();
        let message = unknown.to_string();
        assert!(message.contains("unknown setting `epochs`"), "{message}");
        assert!(message.contains("max_epochs"), "{message}");
        let bad = Settings::new()
            .with("max_epochs", "many")
            .train_args()
            .unwrap_err();
        let message = bad.to_string();
        assert!(message.contains("many"), "{message}");
        assert!(!message.contains('\n'), "{message}");
        let family = Settings::new()
            .with("flow", "glow")
            .train_args()
            .unwrap_err();
        assert!(family.to_string().contains("glow"), "{family}");
    }

    #[test]
    fn a_later_value_replaces_an_earlier_one() {
        let merged = Settings::new()
            .with("hidden", 8)
            .merged(&Settings::new().with("hidden", 16));
        assert_eq!(merged.get("hidden"), Some("16"));
        assert_eq!(merged.names().count(), 1);
    }
}
