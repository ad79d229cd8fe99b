//! The engine's one error type. Nothing a user can type makes the engine panic: every bad
//! input becomes one of these, with words that name the problem.

use std::fmt;

/// One validation problem: where (a JSON path such as `assets[2].depth_usd`) and the rule broken.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The scenario parsed but breaks one or more rules; every problem is listed.
    #[error("the scenario is invalid ({} problem{}):\n{}", .0.len(), if .0.len() == 1 { "" } else { "s" },
        .0.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Problem>),
    /// The text is not a scenario document at all (bad JSON, wrong field types).
    #[error("could not read the scenario: {0}")]
    Parse(String),
    #[error("unknown preset {name:?}; the presets are: {known}")]
    UnknownPreset { name: String, known: String },
    /// A value given outside a scenario document breaks a rule: a control's value, a link
    /// parameter, a command-line option, a file that cannot be read. The words name it.
    #[error("{0}")]
    Input(String),
    /// A chart could not be drawn (a size out of range, a drawing backend's failure).
    #[error("{0}")]
    Draw(String),
}

impl Error {
    pub fn problems(&self) -> &[Problem] {
        match self {
            Error::Invalid(p) => p,
            _ => &[],
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;
