//! Rustdoc from spec text: paragraphs → `#[doc = "..."]` attributes.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{DivergenceModel, DocText};

/// A rustdoc comment being assembled, one paragraph at a time.
#[derive(Debug, Default, Clone)]
pub struct Doc {
    paragraphs: Vec<String>,
}

impl Doc {
    /// An empty doc.
    pub fn new() -> Self {
        Doc::default()
    }

    /// Appends a paragraph (may contain newlines; empty paragraphs are skipped).
    pub fn para(&mut self, text: impl Into<String>) -> &mut Self {
        let text = text.into();
        let text = text.trim_end();
        if !text.trim().is_empty() {
            self.paragraphs.push(text.to_string());
        }
        self
    }

    /// Appends several paragraphs.
    pub fn paras<S: AsRef<str>>(&mut self, texts: &[S]) -> &mut Self {
        for t in texts {
            self.para(t.as_ref());
        }
        self
    }

    /// Appends the verbatim text and, when present, its English translation.
    pub fn text(&mut self, d: &DocText) -> &mut Self {
        self.paras(&d.docs);
        for (i, t) in d.translation.iter().enumerate() {
            if i == 0 {
                self.para(format!("*English:* {t}"));
            } else {
                self.para(t);
            }
        }
        self
    }

    /// Appends divergence notes.
    pub fn divergences(&mut self, list: &[DivergenceModel]) -> &mut Self {
        for d in list {
            self.para(format!(
                "**Real service differs from the document** (evidence: \
                 [divergences](crate::divergences)): {}",
                d.note
            ));
        }
        self
    }

    /// Appends a fenced code block.
    pub fn code(&mut self, lang: &str, body: &str) -> &mut Self {
        self.para(format!("```{lang}\n{}\n```", body.trim_end()))
    }

    /// Appends a heading (`# ...`).
    pub fn heading(&mut self, text: &str) -> &mut Self {
        self.para(format!("# {text}"))
    }

    /// The paragraphs added so far.
    pub fn paragraphs(&self) -> &[String] {
        &self.paragraphs
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.paragraphs.is_empty()
    }

    /// `#[doc = "..."]` outer attributes.
    pub fn outer(&self) -> TokenStream {
        let lines = self.lines(" ");
        quote! { #( #[doc = #lines] )* }
    }

    /// `#![doc = "..."]` inner attributes.
    pub fn inner(&self) -> TokenStream {
        let lines = self.lines(" ");
        quote! { #( #![doc = #lines] )* }
    }

    /// The text as a Markdown document (a README), ending with a newline.
    pub fn markdown(&self) -> String {
        let mut text = self.lines("").join("\n");
        text.push('\n');
        text
    }

    /// The lines, each non-empty one after `prefix` (a space for doc attributes).
    fn lines(&self, prefix: &str) -> Vec<String> {
        let mut out = Vec::new();
        for (i, p) in self.paragraphs.iter().enumerate() {
            if i > 0 {
                out.push(String::new());
            }
            let mut in_code = false;
            for line in p.lines() {
                let line = line.trim_end();
                if line.starts_with("```") {
                    in_code = !in_code;
                    out.push(format!("{prefix}{line}"));
                } else if in_code || line.starts_with('#') || line.starts_with("<!--") {
                    out.push(if line.is_empty() {
                        String::new()
                    } else {
                        format!("{prefix}{line}")
                    });
                } else {
                    for wrapped in wrap(line, WRAP_WIDTH) {
                        out.push(format!("{prefix}{wrapped}"));
                    }
                }
            }
        }
        out
    }
}

/// Width at which prose is wrapped (code blocks are left alone).
const WRAP_WIDTH: usize = 92;

/// Wraps one line of prose at spaces; list items (`- `) continue with a two-space indent.
/// Words longer than the width (URLs, Chinese text without spaces) stay whole.
fn wrap(line: &str, width: usize) -> Vec<String> {
    if line.chars().count() <= width {
        return vec![line.to_string()];
    }
    let indent = if line.starts_with("- ") { "  " } else { "" };
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut len = 0;
    for word in line.split(' ').filter(|w| !w.is_empty()) {
        let wlen = word.chars().count();
        if len > 0 && current.trim() != "-" && len + 1 + wlen > width {
            out.push(std::mem::take(&mut current));
            current.push_str(indent);
            len = indent.len();
        }
        if len > indent.len() || (len > 0 && out.is_empty()) {
            current.push(' ');
            len += 1;
        }
        current.push_str(word);
        len += wlen;
    }
    if !current.trim().is_empty() {
        out.push(current);
    }
    out
}

/// Renders a string as a Rust string literal for use inside a doc example.
pub fn rust_str(s: &str) -> String {
    format!("{s:?}")
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wraps_prose_and_list_items() {
        assert_eq!(wrap("a b c", 3), vec!["a b", "c"]);
        assert_eq!(wrap("- aa bb cc", 5), vec!["- aa", "  bb", "  cc"]);
        assert_eq!(wrap("short", 10), vec!["short"]);
        assert_eq!(
            wrap("averyveryverylongword x", 5),
            vec!["averyveryverylongword", "x"]
        );
    }
}
