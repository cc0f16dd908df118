//! `vouch verify IMAGE... [--file LIST] [--json] [--insecure-registry HOST]...`

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};

use anyhow::{bail, Context, Result};
use vouch_core::registry::{configured_insecure, RegistryOptions};
use vouch_core::verify::{verify_batch_pending, PendingTrust, Status, Verdict, VerifyOptions};

use super::{open_store, print_json};
use crate::input::read_source;
use crate::Outcome;

#[derive(clap::Args)]
pub(crate) struct VerifyArgs {
    /// Image references (`nginx`, `ghcr.io/acme/app:1.2`, `host:port/repo@sha256:…`)
    images: Vec<String>,
    /// Read more references from FILE (`-` for stdin); blank lines and `#` comments are ignored
    #[arg(long)]
    file: Option<String>,
    /// Print the verdicts as JSON (one object for one image, an array for several)
    #[arg(long)]
    json: bool,
    /// Reach HOST[:PORT] over plain HTTP (loopback and localhost always are); repeatable
    #[arg(long = "insecure-registry", value_name = "HOST")]
    insecure: Vec<String>,
}

/// References from a list: one per line, blank lines and `#` comments ignored.
fn list_refs(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

pub(crate) fn run(args: VerifyArgs) -> Result<Outcome> {
    let mut refs = args.images;
    if let Some(file) = &args.file {
        let bytes = read_source(file)?;
        let text =
            String::from_utf8(bytes).with_context(|| format!("`{file}` is not UTF-8 text"))?;
        refs.extend(list_refs(&text));
    }
    if refs.is_empty() {
        bail!("no image to verify; give IMAGE arguments or --file LIST");
    }
    // Performance: the keychain read (a D-Bus round trip to the Secret Service) runs on its own
    // thread while the registry is already being asked; nothing is judged before it arrives,
    // and when it fails the command fails with its error, printing no verdict.
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let _ = tx.send(open_store().and_then(|s| Ok(s.load()?)));
    });
    let load_error: Arc<Mutex<Option<anyhow::Error>>> = Arc::default();
    let stash = load_error.clone();
    let trust = PendingTrust::from_future(async move {
        let loaded = match rx.await {
            Ok(loaded) => loaded,
            Err(_) => Err(anyhow::anyhow!("the trust store could not be read")),
        };
        loaded.map(Arc::new).map_err(|e| {
            let why = format!("{e:#}");
            if let Ok(mut slot) = stash.lock() {
                *slot = Some(e);
            }
            why
        })
    });
    let mut insecure = configured_insecure();
    insecure.extend(args.insecure);
    let opts = VerifyOptions {
        registry: RegistryOptions {
            insecure,
            ..RegistryOptions::default()
        },
        ..VerifyOptions::default()
    };
    let total = refs.len();
    let progress = total > 1 && std::io::stderr().is_terminal() && !args.json;
    let done = std::sync::atomic::AtomicUsize::new(0);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    let verdicts = runtime.block_on(verify_batch_pending(refs, trust, opts, |_, _| {
        let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        if progress {
            let width = 30;
            let filled = n * width / total.max(1);
            eprint!(
                "\r[{}{}] {n}/{total}",
                "#".repeat(filled),
                " ".repeat(width - filled)
            );
            if n == total {
                eprintln!();
            }
        }
    }));
    if let Some(e) = load_error.lock().ok().and_then(|mut slot| slot.take()) {
        return Err(e);
    }

    if args.json {
        match verdicts.as_slice() {
            [one] => print_json(one)?,
            many => print_json(many)?,
        }
    } else {
        for v in &verdicts {
            println!("{}", human_line(v));
        }
    }
    if verdicts.iter().any(Verdict::blocks) {
        Ok(Outcome::NotVerified)
    } else {
        Ok(Outcome::Ok)
    }
}

fn human_line(v: &Verdict) -> String {
    let word = match v.status {
        Status::Verified => "VERIFIED",
        Status::Unsigned => "UNSIGNED",
        Status::Untrusted => "UNTRUSTED",
        Status::Invalid => "INVALID",
        Status::Error => "ERROR",
        _ => "UNKNOWN",
    };
    let enforced = if v.enforced || v.status == Status::Verified {
        ""
    } else {
        " (not enforced)"
    };
    let at = v
        .digest
        .as_deref()
        .map(|d| format!("@{}", d.get(..19).unwrap_or(d)))
        .unwrap_or_default();
    let mut line = format!("{word:<9}{enforced} {}{at}  {}", v.reference, v.reason);
    for p in &v.platforms {
        line.push_str(&format!(
            "\n  {:<9} {} {}  {}",
            p.status.as_str(),
            p.platform,
            p.digest.get(..19).unwrap_or(&p.digest),
            p.reason
        ));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_ignore_blank_lines_and_comments() {
        let refs = list_refs("# images\nnginx\n\n  ghcr.io/acme/app:1  # prod\n#x\n");
        assert_eq!(
            refs,
            vec!["nginx".to_string(), "ghcr.io/acme/app:1".to_string()]
        );
    }
}
