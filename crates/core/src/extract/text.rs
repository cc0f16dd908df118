//! Plain text: a list of references, or any prose, markdown or shell snippet.

use std::collections::HashSet;

use super::{split_reference, Extracted, FoundRef, SourceKind};

/// Pulls image references out of any text. A line holding a single word is read as an entry
/// of a list (`nginx`); elsewhere a word counts only if it has a `/`, a `:tag` or an
/// `@sha256:` digest (`docker pull nginx:1.27`), except right after `image:`, `FROM` or
/// `pull`. Comments, URLs, paths and flags are ignored. Deduplicated, in order of appearance.
pub fn extract_text(text: &str) -> Extracted {
    let mut out = Extracted {
        kind: SourceKind::Text,
        references: Vec::new(),
        problems: Vec::new(),
    };
    let mut seen = HashSet::new();
    for (i, line) in text.lines().enumerate() {
        for reference in line_references(line) {
            if seen.insert(reference.clone()) {
                out.references.push(FoundRef {
                    reference,
                    origin: format!("line {}", i + 1),
                    platform: None,
                });
            }
        }
    }
    out
}

/// One word of a line, with trailing punctuation removed.
struct Word<'a> {
    text: &'a str,
    /// It ended in `:` (a label such as `image:` or `Images:`).
    label: bool,
}

const SEPARATORS: &[char] = &[
    '`', '"', '\'', '(', ')', '[', ']', '{', '}', '<', '>', ',', ';', '|', '=', '*', '\\',
];

/// Common pairs written with a slash in prose, which have the shape of a repository.
const SLASH_WORDS: &[&str] = &[
    "and/or",
    "either/or",
    "yes/no",
    "on/off",
    "true/false",
    "read/write",
    "input/output",
    "client/server",
    "tcp/udp",
    "i/o",
    "n/a",
    "w/o",
];

/// File extensions: `src/main.rs` has the shape of a repository but is a path.
const FILE_EXTENSIONS: &[&str] = &[
    "rs", "md", "txt", "json", "yaml", "yml", "toml", "lock", "sh", "py", "go", "js", "ts", "html",
    "css", "xml", "conf", "cfg", "ini", "env", "log", "pem", "key", "crt", "tar", "gz", "tgz",
    "zip", "sql", "csv", "png", "jpg", "svg", "pdf", "java", "rb", "php", "c", "h", "cpp", "exe",
    "dll", "so", "service", "tf", "lua", "kt",
];

fn line_references(line: &str) -> Vec<String> {
    let line = line.trim();
    if line.is_empty()
        || line.starts_with('#')
        || line.starts_with("```")
        || line.starts_with("~~~")
    {
        return Vec::new();
    }
    let line = strip_list_markers(line);
    let mut words: Vec<Word<'_>> = Vec::new();
    for raw in line.split(|c: char| c.is_whitespace() || SEPARATORS.contains(&c)) {
        if raw.starts_with('#') {
            break; // a trailing comment
        }
        let trimmed = raw.trim_end_matches(['.', ',', ':', ';', '!', '?']);
        if trimmed.is_empty() {
            continue;
        }
        let label = raw[trimmed.len()..].contains(':');
        words.push(Word {
            text: trimmed,
            label,
        });
    }
    let alone = words.len() == 1;
    let mut refs = Vec::new();
    for (i, word) in words.iter().enumerate() {
        let prev = previous_non_flag(&words[..i]);
        let bare_ok = (alone && !word.label)
            || prev.is_some_and(|(p, w)| {
                (w.label && w.text.eq_ignore_ascii_case("image"))
                    || (w.text == "FROM" && p == 0)
                    || (w.text == "pull"
                        && previous_non_flag(&words[..p]).is_some_and(|(_, tool)| {
                            ["docker", "podman", "nerdctl", "image"].contains(&tool.text)
                        }))
            });
        if let Some(r) = candidate(word.text, bare_ok) {
            refs.push(r.to_owned());
        }
    }
    refs
}

/// The last word that is not a flag, with its index.
fn previous_non_flag<'w, 'a>(words: &'w [Word<'a>]) -> Option<(usize, &'w Word<'a>)> {
    words
        .iter()
        .enumerate()
        .rev()
        .find(|(_, w)| !w.text.starts_with('-'))
}

/// Removes markdown list and quote markers: `- `, `* `, `+ `, `> `, `1. `, `2) `.
fn strip_list_markers(mut line: &str) -> &str {
    loop {
        let next = ["- ", "* ", "+ ", "> "]
            .iter()
            .find_map(|m| line.strip_prefix(m))
            .or_else(|| {
                let digits = line.find(|c: char| !c.is_ascii_digit()).unwrap_or(0);
                (digits > 0)
                    .then(|| &line[digits..])
                    .and_then(|r| r.strip_prefix(". ").or_else(|| r.strip_prefix(") ")))
            });
        match next {
            Some(rest) => line = rest.trim_start(),
            None => return line,
        }
    }
}

/// The word as a reference, if it is one. `bare_ok`: a single name without `/`, tag or
/// digest is accepted.
fn candidate(word: &str, bare_ok: bool) -> Option<&str> {
    if word.contains("://")
        || word.starts_with(['/', '.', '~', '-', '$', '@'])
        || SLASH_WORDS.contains(&word)
        || word == "scratch"
    {
        return None;
    }
    let path = split_reference(word)?;
    if !path.bytes().any(|b| b.is_ascii_lowercase()) {
        return None; // `8080:80`, `10:30`
    }
    let qualified = word.contains(['/', ':', '@']);
    if !qualified && !bare_ok {
        return None;
    }
    let tagged = word.contains('@')
        || word
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains(':'));
    if !tagged {
        let last = path.rsplit('/').next().unwrap_or(path);
        if let Some((_, ext)) = last.rsplit_once('.') {
            if FILE_EXTENSIONS.contains(&ext) {
                return None;
            }
        }
    }
    Some(word)
}
