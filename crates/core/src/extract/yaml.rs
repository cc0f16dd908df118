//! YAML helpers: parsing with readable errors, and splitting a stream into documents so that
//! one malformed document does not hide the others.

use serde_yaml_ng::Value;

use super::ExtractError;

/// " at line 3, column 7" (or nothing when the parser gave no position).
pub(super) fn at(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(" at line {l}, column {c}"),
        (Some(l), None) => format!(" at line {l}"),
        _ => String::new(),
    }
}

/// Parses one YAML document whose first line is line `first_line` (1-based) of the input,
/// and applies `<<` merge keys.
pub(super) fn parse(doc: &str, first_line: usize) -> Result<Value, ExtractError> {
    let mut value: Value = serde_yaml_ng::from_str(doc).map_err(|e| to_error(&e, first_line))?;
    // A failed merge (e.g. `<<: 3`) leaves the value usable as it is.
    let _ = value.apply_merge();
    Ok(value)
}

fn to_error(e: &serde_yaml_ng::Error, first_line: usize) -> ExtractError {
    let location = e.location();
    ExtractError::MalformedYaml {
        line: location.as_ref().map(|l| l.line() + first_line - 1),
        column: location.as_ref().map(|l| l.column()),
        message: strip_positions(&e.to_string()),
    }
}

/// Removes the parser's own " at line N column M" / " at position N" fragments, whose line
/// numbers would be relative to the document rather than to the file.
fn strip_positions(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut rest = msg;
    while let Some(i) = rest.find(" at ") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 4..];
        match skip_position(after) {
            Some(remaining) => rest = remaining,
            None => {
                out.push_str(" at ");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// If `s` starts with "line N column M" or "position N", the text after it.
fn skip_position(s: &str) -> Option<&str> {
    let digits = |s: &str| -> Option<usize> {
        let n = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        (n > 0).then_some(n)
    };
    if let Some(r) = s.strip_prefix("line ") {
        let n = digits(r)?;
        let r = r[n..].strip_prefix(" column ")?;
        let m = digits(r)?;
        Some(&r[m..])
    } else {
        let r = s.strip_prefix("position ")?;
        let n = digits(r)?;
        Some(&r[n..])
    }
}

/// One document of a YAML stream.
pub(super) struct Document {
    /// 1-based position among the documents.
    pub(super) index: usize,
    /// 1-based line of the input where its content starts.
    pub(super) first_line: usize,
    pub(super) text: String,
}

/// Splits a stream at `---` lines (and `...` ends), dropping `%` directives. A document
/// marker at column 0 always ends the previous document in YAML, so this matches the parser.
pub(super) fn split_documents(text: &str) -> Vec<Document> {
    let mut docs = Vec::new();
    let mut current = String::new();
    let mut first_line = 1;
    let push = |docs: &mut Vec<Document>, text: String, first_line: usize| {
        if text.lines().any(|l| {
            let t = l.trim();
            !t.is_empty() && !t.starts_with('#')
        }) {
            docs.push(Document {
                index: docs.len() + 1,
                first_line,
                text,
            });
        }
    };
    for (i, line) in text.lines().enumerate() {
        let is_start = line == "---"
            || line
                .strip_prefix("---")
                .is_some_and(|r| r.starts_with([' ', '\t']));
        let is_end = line == "..."
            || line
                .strip_prefix("...")
                .is_some_and(|r| r.trim().is_empty());
        if is_start {
            push(&mut docs, std::mem::take(&mut current), first_line);
            first_line = i + 1;
            current.push_str(&line[3..]);
            current.push('\n');
        } else if is_end {
            push(&mut docs, std::mem::take(&mut current), first_line);
        } else if current.is_empty() && line.starts_with('%') {
            // A directive such as `%YAML 1.2` belongs to the next document's header.
        } else {
            if current.is_empty() {
                first_line = i + 1;
            }
            current.push_str(line);
            current.push('\n');
        }
    }
    push(&mut docs, current, first_line);
    docs
}

/// `value[key]` when `value` is a mapping.
pub(super) fn get<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    match value {
        Value::Mapping(m) => m.get(key),
        Value::Tagged(t) => get(&t.value, key),
        _ => None,
    }
}

/// `value[key]` as a string.
pub(super) fn get_str<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    get(value, key).and_then(Value::as_str)
}

/// A scalar shown as text (for values that should have been strings).
pub(super) fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}
