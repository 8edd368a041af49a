//! Errors that point into a spec file: `file:line:column: error: message`.

use std::fmt;

use serde_saphyr::Spanned;

/// One error in a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The spec file, as given to the loader (e.g. `specs/huawei-vpc-v3.yaml`).
    pub file: String,
    /// 1-based line (0 when unknown).
    pub line: u64,
    /// 1-based column (0 when unknown).
    pub column: u64,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: error: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

/// All errors found in a spec (validation reports every problem, not just the first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// Collects diagnostics for one file.
#[derive(Debug)]
pub struct Sink {
    file: String,
    errors: Vec<Diagnostic>,
}

impl Sink {
    /// A sink for `file`.
    pub fn new(file: &str) -> Self {
        Sink {
            file: file.to_string(),
            errors: Vec::new(),
        }
    }

    /// Records an error at the location of `at`.
    pub fn error<T>(&mut self, at: &Spanned<T>, message: impl Into<String>) {
        self.error_at(at.referenced.line(), at.referenced.column(), message);
    }

    /// Records an error at an explicit location.
    pub fn error_at(&mut self, line: u64, column: u64, message: impl Into<String>) {
        self.errors.push(Diagnostic {
            file: self.file.clone(),
            line,
            column,
            message: message.into(),
        });
    }

    /// `Ok(())` when nothing was recorded.
    pub fn finish(self) -> Result<(), Diagnostics> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(Diagnostics(self.errors))
        }
    }
}
