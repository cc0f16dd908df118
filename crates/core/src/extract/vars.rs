//! `$VAR` / `${VAR...}` substitution shared by the Compose and Dockerfile readers.

/// Why a value could not be fully substituted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Unresolved {
    /// Variables with no value and no default, in order of appearance.
    Missing(Vec<String>),
    /// `${` without a closing brace, or an empty or invalid name.
    Malformed,
}

impl Unresolved {
    /// "uses ${TAG}, which has no default" and similar.
    pub(super) fn describe(&self) -> String {
        match self {
            Unresolved::Missing(names) => {
                let list: Vec<String> = names.iter().map(|n| format!("${{{n}}}")).collect();
                let verb = if names.len() == 1 { "has" } else { "have" };
                format!("uses {}, which {verb} no default", join_and(&list))
            }
            Unresolved::Malformed => "has malformed variable syntax".to_owned(),
        }
    }
}

fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Substitutes variables in `input`. `lookup` gives a variable's value (`None`: unset).
/// Supports `$NAME`, `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:+alt}`,
/// `${NAME+alt}`, `${NAME:?err}`, `${NAME?err}` with nested defaults. `$$` is a literal `$`
/// when `dollar_escape` (Compose); a `$` not followed by a name stays as it is.
pub(super) fn substitute(
    input: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    dollar_escape: bool,
) -> Result<String, Unresolved> {
    let mut run = Substitution {
        lookup,
        dollar_escape,
        missing: Vec::new(),
    };
    let out = run.subst(input, 0)?;
    if run.missing.is_empty() {
        Ok(out)
    } else {
        Err(Unresolved::Missing(run.missing))
    }
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Byte index of the `}` closing a `${`, counting nested `${ … }`.
fn closing_brace(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut prev_dollar = false;
    for (i, c) in s.char_indices() {
        match c {
            '{' if prev_dollar => depth += 1,
            '}' if depth == 0 => return Some(i),
            '}' => depth -= 1,
            _ => {}
        }
        prev_dollar = c == '$';
    }
    None
}

/// One substitution: where values come from, whether `$$` is an escape, and the variables
/// found missing so far (each once, in order of appearance).
struct Substitution<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    dollar_escape: bool,
    missing: Vec<String>,
}

impl Substitution<'_> {
    fn subst(&mut self, input: &str, depth: usize) -> Result<String, Unresolved> {
        if depth > 16 {
            return Err(Unresolved::Malformed);
        }
        let mut out = String::with_capacity(input.len());
        let mut rest = input;
        while let Some(i) = rest.find('$') {
            out.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            let next = after.chars().next();
            match next {
                Some('$') if self.dollar_escape => {
                    out.push('$');
                    rest = &after[1..];
                }
                Some('{') => {
                    let body_and_more = &after[1..];
                    let end = closing_brace(body_and_more).ok_or(Unresolved::Malformed)?;
                    let body = &body_and_more[..end];
                    rest = &body_and_more[end + 1..];
                    out.push_str(&self.expand_braced(body, depth)?);
                }
                Some(c) if is_name_start(c) => {
                    let len = after
                        .find(|c: char| !is_name_char(c))
                        .unwrap_or(after.len());
                    let name = &after[..len];
                    match (self.lookup)(name) {
                        Some(v) => out.push_str(&v),
                        None => self.push_missing(name),
                    }
                    rest = &after[len..];
                }
                _ => {
                    out.push('$');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        Ok(out)
    }

    fn expand_braced(&mut self, body: &str, depth: usize) -> Result<String, Unresolved> {
        let name_len = body.find(|c: char| !is_name_char(c)).unwrap_or(body.len());
        let name = &body[..name_len];
        if !name.chars().next().is_some_and(is_name_start) {
            return Err(Unresolved::Malformed);
        }
        let op_and_word = &body[name_len..];
        let value = (self.lookup)(name);
        let (op, word) = if let Some(w) = op_and_word.strip_prefix(":-") {
            (":-", w)
        } else if let Some(w) = op_and_word.strip_prefix(":+") {
            (":+", w)
        } else if let Some(w) = op_and_word.strip_prefix(":?") {
            (":?", w)
        } else if op_and_word.is_empty() {
            ("", "")
        } else if let Some(w) = op_and_word.strip_prefix('-') {
            ("-", w)
        } else if let Some(w) = op_and_word.strip_prefix('+') {
            ("+", w)
        } else if let Some(w) = op_and_word.strip_prefix('?') {
            ("?", w)
        } else {
            // Anything else after the name, a multi-byte character included (no byte split).
            return Err(Unresolved::Malformed);
        };
        let set_nonempty = value.as_deref().is_some_and(|v| !v.is_empty());
        Ok(match (op, value) {
            ("", Some(v)) | ("-", Some(v)) | ("?", Some(v)) => v,
            (":-", Some(v)) | (":?", Some(v)) if set_nonempty => v,
            (":-", _) | ("-", None) => self.subst(word, depth + 1)?,
            (":+", _) if set_nonempty => self.subst(word, depth + 1)?,
            ("+", Some(_)) => self.subst(word, depth + 1)?,
            (":+", _) | ("+", None) => String::new(),
            _ => {
                self.push_missing(name);
                String::new()
            }
        })
    }

    fn push_missing(&mut self, name: &str) {
        if !self.missing.iter().any(|m| m == name) {
            self.missing.push(name.to_owned());
        }
    }
}
