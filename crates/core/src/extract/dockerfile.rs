//! Dockerfiles and Containerfiles: `FROM`, `COPY --from=` and `RUN --mount=from=` images.

use std::collections::HashMap;

use super::vars::substitute;
use super::{is_reference, not_a_reference, Extracted, FoundRef, SourceKind};

/// Reads base images from a Dockerfile: `FROM [--platform=X] image [AS name]` in every stage,
/// with build arguments declared before the first `FROM` replaced by their defaults, plus
/// external images in `COPY --from=` and `RUN --mount=…,from=`. Stage names and `scratch`
/// are not images.
pub fn extract_dockerfile(text: &str) -> Extracted {
    let mut out = Extracted {
        kind: SourceKind::Dockerfile,
        references: Vec::new(),
        problems: Vec::new(),
    };
    // Build arguments in scope for FROM: those declared before the first FROM.
    let mut args: HashMap<String, Option<String>> = HashMap::new();
    let mut stages: Vec<String> = Vec::new();
    let mut seen_from = false;
    for ins in instructions(text) {
        let (keyword, rest) = match ins.text.trim().split_once(char::is_whitespace) {
            Some((k, r)) => (k.to_ascii_uppercase(), r.trim()),
            None => (ins.text.trim().to_ascii_uppercase(), ""),
        };
        let line = ins.line;
        match keyword.as_str() {
            "ARG" if !seen_from => declare_args(rest, &mut args),
            "FROM" => {
                seen_from = true;
                from(line, rest, &args, &mut stages, &mut out);
            }
            "COPY" => {
                for word in shell_words(rest).iter().take_while(|w| w.starts_with("--")) {
                    if let Some(source) = word.strip_prefix("--from=") {
                        let origin = format!("line {line}: COPY --from");
                        external(source, origin, &args, &stages, &mut out);
                    }
                }
            }
            "RUN" => {
                for word in shell_words(rest).iter().take_while(|w| w.starts_with("--")) {
                    let Some(mount) = word.strip_prefix("--mount=") else {
                        continue;
                    };
                    if let Some(source) = mount.split(',').find_map(|kv| kv.strip_prefix("from=")) {
                        let origin = format!("line {line}: RUN --mount from");
                        external(source, origin, &args, &stages, &mut out);
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Whether unnamed text is a Dockerfile: its first instruction is an upper-case `FROM`, or
/// `ARG` followed later by a `FROM`, or it starts with a `# syntax=` directive.
pub(super) fn looks_like_dockerfile(text: &str) -> bool {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let Some(first) = lines.clone().find(|l| !l.starts_with('#')) else {
        return false;
    };
    if lines.next().is_some_and(|l| {
        l.replace(' ', "")
            .to_ascii_lowercase()
            .starts_with("#syntax=")
    }) {
        return true;
    }
    let has_from = |l: &str| {
        l.strip_prefix("FROM ")
            .is_some_and(|r| !r.trim().is_empty())
    };
    has_from(first) || (first.starts_with("ARG ") && text.lines().any(|l| has_from(l.trim())))
}

fn from(
    line: usize,
    rest: &str,
    args: &HashMap<String, Option<String>>,
    stages: &mut Vec<String>,
    out: &mut Extracted,
) {
    let words = shell_words(rest);
    let mut platform = None;
    let mut positional = Vec::new();
    for word in &words {
        if let Some(flag) = word.strip_prefix("--") {
            if let Some(p) = flag.strip_prefix("platform=") {
                // Unknown arguments ($BUILDPLATFORM, $TARGETPLATFORM…) are kept as written.
                platform = Some(
                    substitute(p, &|n| lookup(args, n), false).unwrap_or_else(|_| p.to_owned()),
                );
            }
        } else {
            positional.push(word.as_str());
        }
    }
    let (image, stage) = match positional.as_slice() {
        [image] => (*image, None),
        [image, as_kw, name, ..] if as_kw.eq_ignore_ascii_case("as") => (*image, Some(*name)),
        [] => {
            out.problems.push(format!("line {line}: FROM has no image"));
            return;
        }
        [image, ..] => {
            out.problems.push(format!(
                "line {line}: FROM {image} is followed by unexpected words"
            ));
            (*image, None)
        }
    };
    let known_stages = stages.clone();
    if let Some(name) = stage {
        stages.push(name.to_ascii_lowercase());
    } else {
        stages.push(String::new());
    }
    let origin = match stage {
        Some(name) => format!("line {line}: FROM (stage {name})"),
        None => format!("line {line}: FROM"),
    };
    let platform = platform.filter(|p| !p.is_empty());
    if let Some(reference) = resolve(image, &origin, args, &known_stages, out) {
        out.references.push(FoundRef {
            reference,
            origin,
            platform,
        });
    }
}

/// `COPY --from=` / `RUN --mount=from=`: an image unless it names a stage (or its index).
fn external(
    source: &str,
    origin: String,
    args: &HashMap<String, Option<String>>,
    stages: &[String],
    out: &mut Extracted,
) {
    if source.bytes().all(|b| b.is_ascii_digit()) {
        return;
    }
    if let Some(reference) = resolve(source, &origin, args, stages, out) {
        out.references.push(FoundRef {
            reference,
            origin,
            platform: None,
        });
    }
}

/// Substitutes build arguments; `None` for stages, `scratch` and unusable values (with a
/// problem for the latter).
fn resolve(
    raw: &str,
    origin: &str,
    args: &HashMap<String, Option<String>>,
    stages: &[String],
    out: &mut Extracted,
) -> Option<String> {
    let value = match substitute(raw, &|n| lookup(args, n), false) {
        Ok(v) => v,
        Err(why) => {
            out.problems
                .push(format!("{origin} `{raw}` {}", why.describe()));
            return None;
        }
    };
    let lower = value.to_ascii_lowercase();
    if lower == "scratch" || stages.iter().any(|s| !s.is_empty() && *s == lower) {
        return None;
    }
    if !is_reference(&value) {
        out.problems.push(not_a_reference(origin, &value));
        return None;
    }
    Some(value)
}

fn lookup(args: &HashMap<String, Option<String>>, name: &str) -> Option<String> {
    args.get(name).cloned().flatten()
}

/// `ARG A=1 B="two" C`: each later default may use the earlier ones.
fn declare_args(rest: &str, args: &mut HashMap<String, Option<String>>) {
    for word in shell_words(rest) {
        match word.split_once('=') {
            Some((name, default)) => {
                let value = substitute(default, &|n| lookup(args, n), false).ok();
                args.insert(name.to_owned(), value);
            }
            None => {
                args.entry(word).or_insert(None);
            }
        }
    }
}

/// Splits on whitespace outside quotes, removing the quotes.
fn shell_words(s: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in s.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => current.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            (None, c) => {
                current.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(current);
    }
    words
}

/// One instruction, with continuation lines joined.
struct Instruction {
    /// 1-based line where it starts.
    line: usize,
    text: String,
}

/// Splits into instructions: reads parser directives (for `# escape=`), joins continuation
/// lines, drops comments, and skips heredoc bodies (`RUN <<EOF … EOF`).
fn instructions(text: &str) -> Vec<Instruction> {
    let lines: Vec<&str> = text.lines().collect();
    let mut escape = '\\';
    let mut i = 0;
    while let Some(line) = lines.get(i) {
        let Some((key, value)) = line
            .trim()
            .strip_prefix('#')
            .and_then(|d| d.split_once('='))
        else {
            break;
        };
        let key = key.trim();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric()) {
            break;
        }
        if key.eq_ignore_ascii_case("escape") {
            match value.trim() {
                "`" => escape = '`',
                "\\" => escape = '\\',
                _ => {}
            }
        }
        i += 1;
    }
    let mut out = Vec::new();
    while let Some(line) = lines.get(i) {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            i += 1;
            continue;
        }
        let start = i;
        let mut buf = String::new();
        while let Some(l) = lines.get(i) {
            i += 1;
            let lt = l.trim();
            if i - 1 != start && (lt.is_empty() || lt.starts_with('#')) {
                continue;
            }
            let trimmed = l.trim_end();
            match trimmed.strip_suffix(escape) {
                Some(body) => {
                    buf.push_str(body);
                    buf.push(' ');
                }
                None => {
                    buf.push_str(trimmed);
                    break;
                }
            }
        }
        for word in heredoc_words(&buf) {
            while let Some(l) = lines.get(i) {
                i += 1;
                if l.trim() == word {
                    break;
                }
            }
        }
        out.push(Instruction {
            line: start + 1,
            text: buf,
        });
    }
    out
}

/// The delimiters of heredocs opened by a RUN/COPY/ADD instruction (`<<EOF`, `<<-"EOT"`).
fn heredoc_words(instruction: &str) -> Vec<String> {
    let keyword = instruction.split_whitespace().next().unwrap_or("");
    if !["RUN", "COPY", "ADD"]
        .iter()
        .any(|k| keyword.eq_ignore_ascii_case(k))
    {
        return Vec::new();
    }
    let mut words = Vec::new();
    let mut rest = instruction;
    while let Some(i) = rest.find("<<") {
        let mut after = &rest[i + 2..];
        if after.starts_with('<') {
            rest = after.trim_start_matches('<');
            continue;
        }
        after = after.strip_prefix('-').unwrap_or(after);
        let quote = after.chars().next().filter(|c| *c == '"' || *c == '\'');
        if let Some(q) = quote {
            after = &after[1..];
            let len = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            if len > 0 && after[len..].starts_with(q) {
                words.push(after[..len].to_owned());
            }
            after = &after[len..];
        } else {
            let len = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            if len > 0 {
                words.push(after[..len].to_owned());
            }
            after = &after[len..];
        }
        rest = after;
    }
    words
}
