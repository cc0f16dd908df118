//! `vouch verify IMAGE... [--file LIST] [--json] [--insecure-registry HOST]...`

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};

use anyhow::{bail, Context, Result};
use time::OffsetDateTime;
use vouch_core::history::{History, HistoryEntry, ReadAhead};
use vouch_core::verify::{verify_each, Cancel, PendingTrust, Status, Verdict, VerifyOptions};

use super::open_store;
use crate::input::read_source;
use crate::progress::Progress;
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
    #[command(flatten)]
    registry: super::RegistryFlags,
    /// Judge against the trust set in FILE (as written by `vouch trust export`) instead of the
    /// keychain's: for CI runners with no keychain, or a team's reviewed trust list
    #[arg(long = "trust-set", value_name = "FILE")]
    trust_set: Option<String>,
    /// Do not record these verdicts in the profile's history (`vouch history`)
    #[arg(long = "no-history")]
    no_history: bool,
}

impl VerifyArgs {
    /// Verifying `images` again, recorded in the history like any check.
    pub(crate) fn again(images: Vec<String>, json: bool, registry: super::RegistryFlags) -> Self {
        Self {
            images,
            file: None,
            json,
            registry,
            trust_set: None,
            no_history: false,
        }
    }
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
    // Performance: the history is read ahead (parsed, each entry's text made) on another
    // thread, after the keychain read when there is one, while the registry is still being
    // asked; the record after the checks reuses it when the file is still the same.
    let no_history = args.no_history;
    let read_ahead = move || {
        if no_history {
            return None;
        }
        let profile = vouch_core::paths::profile().ok()?;
        History::for_profile(&profile).read_ahead()
    };
    let load_error: Arc<Mutex<Option<anyhow::Error>>> = Arc::default();
    let (trust, history) = match args.trust_set {
        // A trust set from a file: read before anything else, its errors fail the command.
        Some(file) => {
            let set = super::trust_set_from_file(&file)?;
            (
                PendingTrust::ready(Arc::new(set)),
                std::thread::spawn(read_ahead),
            )
        }
        // Performance: the keychain read (a D-Bus round trip to the Secret Service) runs on its
        // own thread while the registry is already being asked; nothing is judged before it
        // arrives, and when it fails the command fails with its error, printing no verdict.
        None => {
            let (tx, rx) = tokio::sync::oneshot::channel();
            let history = std::thread::spawn(move || {
                let _ = tx.send(open_store().and_then(|s| Ok(s.load()?)));
                read_ahead()
            });
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
            (trust, history)
        }
    };
    let cancel = Cancel::new();
    let opts = VerifyOptions {
        registry: args.registry.options(),
        cancel: cancel.clone(),
        ..VerifyOptions::default()
    };
    let total = refs.len();
    let progress = total > 1 && std::io::stderr().is_terminal() && !args.json;
    // Performance: one image is a chain of dependent requests, nothing to run in parallel: a
    // runtime on this thread starts no worker threads and hands no wake-up between threads.
    let mut builder = if total == 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.worker_threads(2);
        b
    };
    let runtime = builder
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    // Verdicts are printed in input order as soon as they and all before them are ready, and
    // then dropped: memory does not grow with the list. Nothing is printed when the trust set
    // could not be read (every verdict waits for it, so the failure is known before the first).
    let mut printer = Printer::new(std::io::stdout().lock(), total, args.json);
    let mut bar = Progress::new(progress.then(std::io::stderr), total);
    let mut blocked = false;
    // What the history will hold, in input order; a few short strings per image.
    let mut checked: Vec<Option<HistoryEntry>> = vec![None; total];
    // Ctrl+C stops the batch: the requests in flight are dropped, the images not finished print
    // as CANCELLED, and the history leaves them out.
    cancel_on_ctrl_c(&runtime, cancel.clone());
    runtime.block_on(verify_each(refs, trust, opts, |i, v| {
        blocked |= v.blocks();
        if let Some(slot) = checked.get_mut(i).filter(|_| !args.no_history) {
            *slot = Some(HistoryEntry::of(&v, OffsetDateTime::now_utc()));
        }
        let failed = load_error.lock().map(|e| e.is_some()).unwrap_or(true);
        bar.around(|| {
            if !failed {
                printer.ready(i, v);
            }
        });
    }));
    drop(bar);
    if let Some(e) = load_error.lock().ok().and_then(|mut slot| slot.take()) {
        return Err(e);
    }
    drop(printer.finish()?);
    if !no_history {
        let ahead = history.join().ok().flatten();
        record(checked.into_iter().flatten().collect(), ahead);
    }
    if cancel.is_cancelled() {
        eprintln!("vouch: interrupted; the images not checked are listed as cancelled");
        return Ok(Outcome::Interrupted);
    }
    if blocked {
        Ok(Outcome::NotVerified)
    } else {
        Ok(Outcome::Ok)
    }
}

/// Throws `cancel` on Ctrl+C. On Unix the handler is in place when this returns, so a Ctrl+C
/// that comes at once is not lost to the default action (ending the process mid-output).
fn cancel_on_ctrl_c(runtime: &tokio::runtime::Runtime, cancel: Cancel) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let _inside = runtime.enter();
        if let Ok(mut interrupts) = signal(SignalKind::interrupt()) {
            runtime.spawn(async move {
                if interrupts.recv().await.is_some() {
                    cancel.cancel();
                }
            });
        }
    }
    #[cfg(not(unix))]
    runtime.spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            cancel.cancel();
        }
    });
}

/// Records finished checks in the profile's history. A history that cannot be written is a
/// warning on stderr, not a failed verification.
fn record(entries: Vec<HistoryEntry>, ahead: Option<ReadAhead>) {
    let written = vouch_core::paths::profile()
        .map_err(anyhow::Error::from)
        .and_then(|profile| Ok(History::for_profile(&profile).record_with(entries, ahead)?));
    match written {
        Ok(read) => {
            if let Some(warning) = read.warning {
                eprintln!("vouch: warning: {warning}");
            }
        }
        Err(e) => {
            eprintln!("vouch: warning: these verdicts were not recorded in the history: {e:#}")
        }
    }
}

/// Prints verdicts in input order as they become ready: one line each (human) or, with
/// `--json`, one object for one image and a pretty array for several, exactly as
/// `serde_json::to_string_pretty` of the whole list would.
struct Printer<W: std::io::Write> {
    out: W,
    total: usize,
    json: bool,
    next: usize,
    waiting: std::collections::BTreeMap<usize, Verdict>,
    error: Option<anyhow::Error>,
}

impl<W: std::io::Write> Printer<W> {
    fn new(out: W, total: usize, json: bool) -> Printer<W> {
        Printer {
            out,
            total,
            json,
            next: 0,
            waiting: Default::default(),
            error: None,
        }
    }

    fn ready(&mut self, i: usize, v: Verdict) {
        self.waiting.insert(i, v);
        while let Some(v) = self.waiting.remove(&self.next) {
            let first = self.next == 0;
            self.next += 1;
            if let Err(e) = self.print(&v, first) {
                self.error.get_or_insert(e);
            }
        }
    }

    fn print(&mut self, v: &Verdict, first: bool) -> Result<()> {
        let out = &mut self.out;
        if !self.json {
            writeln!(out, "{}", human_line(v))?;
            out.flush()?;
        } else if self.total == 1 {
            writeln!(out, "{}", serde_json::to_string_pretty(v)?)?;
        } else {
            let item = serde_json::to_string_pretty(v)?.replace('\n', "\n  ");
            write!(out, "{}  {item}", if first { "[\n" } else { ",\n" })?;
        }
        Ok(())
    }

    fn finish(mut self) -> Result<W> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if self.json && self.total > 1 {
            writeln!(self.out, "\n]")?;
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

/// The status as the human output shows it.
pub(crate) fn status_word(status: Status) -> &'static str {
    match status {
        Status::Verified => "VERIFIED",
        Status::Unsigned => "UNSIGNED",
        Status::Untrusted => "UNTRUSTED",
        Status::Invalid => "INVALID",
        Status::Error => "ERROR",
        Status::Cancelled => "CANCELLED",
        _ => "UNKNOWN",
    }
}

/// `@sha256:` and the first 12 hex digits, or nothing without a digest.
pub(crate) fn at_digest(digest: Option<&str>) -> String {
    digest
        .map(|d| format!("@{}", d.get(..19).unwrap_or(d)))
        .unwrap_or_default()
}

fn human_line(v: &Verdict) -> String {
    let word = status_word(v.status);
    let enforced = if v.enforced || v.status == Status::Verified {
        ""
    } else {
        " (not enforced)"
    };
    let at = at_digest(v.digest.as_deref());
    let mut line = format!("{word:<9}{enforced} {}{at}  {}", v.reference, v.reason);
    for k in v.signatures.iter().filter_map(|s| s.keyless.as_ref()) {
        line.push_str(&keyless_lines(k));
    }
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

/// What a keyless signature's certificate says, indented under the verdict line: the identity
/// it matched (publisher, subject), the issuer, the certificate time, the log and its index,
/// and what established the time.
fn keyless_lines(k: &vouch_core::verify::keyless::KeylessSignature) -> String {
    use vouch_core::sigstore::TimeSource;
    let who = match &k.identity {
        Some(i) => format!("{} ({})", i.publisher, i.id),
        None => "no trusted identity".to_string(),
    };
    let time = match k.time_source {
        TimeSource::TransparencyLog => "the transparency log",
        TimeSource::TimestampAuthority => "a timestamp authority",
        TimeSource::Both => "the transparency log and a timestamp authority",
        _ => "an authenticated source",
    };
    let log = match &k.log {
        Some(l) => format!(
            "log {} index {}",
            l.log_id.get(..16).unwrap_or(&l.log_id),
            l.index
        ),
        None => "no log entry".to_string(),
    };
    format!(
        "\n  keyless: {who}\n    subject:     {}\n    issuer:      {}\n    certificate: issued {} (trusted root {})\n    logged:      {log}; time from {time}",
        k.subject.value(),
        k.issuer,
        k.certificate_time,
        k.trusted_root
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(n: usize) -> Verdict {
        Verdict::error(
            &format!("img{n}"),
            None,
            None,
            None,
            vouch_core::verify::Problem::Failed {
                message: format!("reason {n}"),
            },
        )
    }

    #[test]
    fn json_printed_out_of_order_is_the_pretty_array_in_input_order() {
        let all: Vec<Verdict> = (0..5).map(verdict).collect();
        let mut p = Printer::new(Vec::new(), all.len(), true);
        for i in [3, 0, 4, 1, 2] {
            p.ready(i, all[i].clone());
        }
        let out = p.finish().expect("printed");
        let want = format!("{}\n", serde_json::to_string_pretty(&all).expect("json"));
        assert_eq!(String::from_utf8_lossy(&out), want);
        let mut one = Printer::new(Vec::new(), 1, true);
        one.ready(0, all[0].clone());
        let out = one.finish().expect("printed");
        let want = format!("{}\n", serde_json::to_string_pretty(&all[0]).expect("json"));
        assert_eq!(String::from_utf8_lossy(&out), want);
    }

    #[test]
    fn lines_are_printed_in_input_order() {
        let all: Vec<Verdict> = (0..3).map(verdict).collect();
        let mut p = Printer::new(Vec::new(), 3, false);
        for i in [2, 1, 0] {
            p.ready(i, all[i].clone());
        }
        let out = String::from_utf8(p.finish().expect("printed")).expect("utf8");
        let order: Vec<&str> = out
            .lines()
            .map(|l| l.split_whitespace().nth(1).unwrap_or(""))
            .collect();
        assert_eq!(order, ["img0", "img1", "img2"]);
    }

    #[test]
    fn lists_ignore_blank_lines_and_comments() {
        let refs = list_refs("# images\nnginx\n\n  ghcr.io/acme/app:1  # prod\n#x\n");
        assert_eq!(
            refs,
            vec!["nginx".to_string(), "ghcr.io/acme/app:1".to_string()]
        );
    }
}
