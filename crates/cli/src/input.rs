//! Reading what a person hands the CLI: files, stdin, pasted text, passphrases.

use std::io::{IsTerminal, Read};

use anyhow::{bail, Context, Result};
use zeroize::Zeroizing;

/// A passphrase, wiped from memory when dropped and never printed.
pub(crate) type Secret = Zeroizing<String>;

/// Largest key or list file accepted, so a wrong path (a disk image) fails fast.
const MAX_INPUT: u64 = 16 * 1024 * 1024;

/// Reads `FILE`, `-` (stdin), or text pasted as the argument itself (a PEM block).
pub(crate) fn read_source(arg: &str) -> Result<Vec<u8>> {
    if arg == "-" {
        return read_bounded(std::io::stdin().lock(), "standard input");
    }
    if arg.trim_start().starts_with("-----BEGIN") {
        return Ok(arg.as_bytes().to_vec());
    }
    let meta = std::fs::metadata(arg).with_context(|| format!("could not read `{arg}`"))?;
    if meta.len() > MAX_INPUT {
        bail!(
            "`{arg}` is {} bytes, too large to be a key or a list",
            meta.len()
        );
    }
    std::fs::read(arg).with_context(|| format!("could not read `{arg}`"))
}

/// Reads all of `from`, refusing (rather than silently cutting) more than [`MAX_INPUT`] bytes.
fn read_bounded(from: impl Read, what: &str) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    from.take(MAX_INPUT + 1)
        .read_to_end(&mut buf)
        .with_context(|| format!("could not read {what}"))?;
    if buf.len() as u64 > MAX_INPUT {
        bail!(
            "{what} holds more than {} MiB, too much to be a key or a list; nothing was read",
            MAX_INPUT / (1024 * 1024)
        );
    }
    Ok(buf)
}

/// The passphrase of an encrypted private key: `VOUCH_PASSWORD`, else a prompt on the terminal.
pub(crate) fn passphrase(prompt: &str, confirm: bool) -> Result<Secret> {
    if let Ok(p) = std::env::var("VOUCH_PASSWORD") {
        return Ok(Zeroizing::new(p));
    }
    if !std::io::stdin().is_terminal() {
        bail!("a passphrase is needed and there is no terminal to ask it on; set VOUCH_PASSWORD");
    }
    let first = Zeroizing::new(
        rpassword::prompt_password(prompt).context("could not read the passphrase")?,
    );
    if confirm {
        let again = Zeroizing::new(
            rpassword::prompt_password("Repeat the passphrase: ")
                .context("could not read the passphrase")?,
        );
        if *again != *first {
            bail!("the two passphrases differ; nothing was written");
        }
    }
    Ok(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: a list on stdin longer than 16 MiB was cut at 16 MiB without a word.
    #[test]
    fn input_over_the_limit_is_refused_not_cut() {
        let limit = usize::try_from(MAX_INPUT).expect("fits");
        let exact = read_bounded(std::io::repeat(b'a').take(MAX_INPUT), "standard input")
            .expect("exactly the limit is accepted");
        assert_eq!(exact.len(), limit);
        let err = read_bounded(std::io::repeat(b'a').take(MAX_INPUT + 1), "standard input")
            .expect_err("one byte more is refused");
        assert!(err.to_string().contains("more than 16 MiB"), "{err}");
    }
}
