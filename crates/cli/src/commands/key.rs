//! `vouch key …`: the trusted publisher keys.

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use vouch_core::keys::{Algorithm, PrivateKey, PublicKey};
use vouch_core::trust::{short_fingerprint, KeyInfo, KeyStatus};

use super::publisher::{print_scopes_added, print_standing, scopes_text, PublisherArgs};
use super::{open_store, print_json};
use crate::input::{passphrase, read_source};
use crate::Outcome;

#[derive(Subcommand)]
pub(crate) enum KeyCmd {
    /// Trust a publisher's public key (PEM, cosign.pub, raw base64 ed25519) from FILE, `-` or pasted text
    Add {
        #[arg(allow_hyphen_values = true)]
        source: String,
        #[command(flatten)]
        publisher: PublisherArgs,
    },
    /// List trusted keys
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show one key by fingerprint (prefix of ≥ 12 hex digits) or publisher
    Show {
        key: String,
        #[arg(long)]
        json: bool,
    },
    /// Print a key's public PEM
    Export { key: String },
    /// Revoke a key: it stays listed but no longer vouches for anything
    Revoke {
        key: String,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Remove a key (and its private key, if held) from the trust store
    Rm { key: String },
    /// Generate a signing key; the private key is kept in the keychain
    Generate {
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "ed25519")]
        algorithm: Algorithm,
        #[arg(long = "scope")]
        scopes: Vec<String>,
    },
    /// Import a signing key: cosign/sigstore encrypted key (passphrase from VOUCH_PASSWORD or a prompt) or PKCS#8 PEM
    ImportPrivate {
        source: String,
        #[arg(long)]
        name: String,
        #[arg(long = "scope")]
        scopes: Vec<String>,
    },
    /// Write a signing key as an encrypted cosign-format key (for CI); passphrase from VOUCH_PASSWORD or a prompt
    ExportPrivate {
        key: String,
        /// Output file (created with mode 0600); `-` for stdout
        #[arg(long, short)]
        output: String,
    },
}

pub(crate) fn run(cmd: KeyCmd) -> Result<Outcome> {
    match cmd {
        KeyCmd::Add { source, publisher } => {
            let bytes = read_source(&source)?;
            let key = PublicKey::parse(&bytes)?;
            let expires = publisher.expires_at()?;
            let PublisherArgs {
                name, scopes, note, ..
            } = publisher;
            let store = open_store()?;
            let (k, existed) =
                store.add_public(&key, name.as_deref(), &scopes, note.as_deref(), expires)?;
            let verb = if existed { "Updated" } else { "Added" };
            println!("{verb} {} {}", k.fingerprint, k.publisher);
            print_scopes_added(&k.scopes, &mut std::io::stdout())?;
            if k.status == KeyStatus::Revoked {
                println!("Note: this key is revoked and stays revoked; remove it first to trust it again");
            }
            Ok(Outcome::Ok)
        }
        KeyCmd::List { json } => {
            let set = open_store()?.load()?;
            let now = time::OffsetDateTime::now_utc();
            if json {
                let keys: Vec<KeyInfo> =
                    set.keys.into_iter().map(|k| KeyInfo::at(k, now)).collect();
                print_json(&keys)?;
            } else if set.keys.is_empty() {
                println!(
                    "No trusted keys. Add one with `vouch key add cosign.pub --name PUBLISHER`."
                );
            } else {
                for k in &set.keys {
                    println!(
                        "{}  {:<10}  {:<8}  {}  {}{}{}",
                        short_fingerprint(&k.fingerprint),
                        k.algorithm.as_str(),
                        k.state(now).word(),
                        k.publisher,
                        scopes_text(&k.scopes),
                        if k.has_private { "  [can sign]" } else { "" },
                        k.source
                            .as_deref()
                            .map_or(String::new(), |l| format!("  [from {l}]"))
                    );
                }
            }
            Ok(Outcome::Ok)
        }
        KeyCmd::Show { key, json } => {
            let k = KeyInfo::at(
                open_store()?.resolve(&key)?,
                time::OffsetDateTime::now_utc(),
            );
            if json {
                print_json(&k)?;
            } else {
                let KeyInfo { key: k, state } = k;
                println!("Publisher:   {}", k.publisher);
                println!("Fingerprint: {}", k.fingerprint);
                println!("Algorithm:   {}", k.algorithm.as_str());
                print_standing(&k.terms(), &state, k.added_at, k.note.as_deref());
                println!("Can sign:    {}", if k.has_private { "yes" } else { "no" });
                if let Some(list) = &k.source {
                    println!("From list:   {list} (`vouch trust sync` keeps it as the list says)");
                }
            }
            Ok(Outcome::Ok)
        }
        KeyCmd::Export { key } => {
            let k = open_store()?.resolve(&key)?;
            print!("{}", k.public_key);
            Ok(Outcome::Ok)
        }
        KeyCmd::Revoke { key, reason } => {
            let k = open_store()?.revoke(&key, reason.as_deref())?;
            println!("Revoked {} {}", k.fingerprint, k.publisher);
            Ok(Outcome::Ok)
        }
        KeyCmd::Rm { key } => {
            let k = open_store()?.remove(&key)?;
            println!("Removed {} {}", k.fingerprint, k.publisher);
            Ok(Outcome::Ok)
        }
        KeyCmd::Generate {
            name,
            algorithm,
            scopes,
        } => {
            let k = open_store()?.generate(&name, algorithm, &scopes)?;
            println!("{}", k.fingerprint);
            if k.scopes.is_empty() {
                eprintln!("Scope: every repository (no --scope given)");
            }
            Ok(Outcome::Ok)
        }
        KeyCmd::ImportPrivate {
            source,
            name,
            scopes,
        } => {
            let bytes = read_source(&source)?;
            let key = if PrivateKey::is_encrypted_pem(&bytes) {
                let pw = passphrase("Passphrase of the private key: ", false)?;
                PrivateKey::from_encrypted_pem(&bytes, pw.as_bytes())?
            } else {
                PrivateKey::from_pem(&bytes)?
            };
            let store = open_store()?;
            let k = store.import_private(&key, &name, &scopes)?;
            println!("Imported signing key {} {}", k.fingerprint, k.publisher);
            Ok(Outcome::Ok)
        }
        KeyCmd::ExportPrivate { key, output } => {
            let store = open_store()?;
            let k = store.resolve(&key)?;
            let sk = store.private_key(&k.fingerprint)?;
            let pw = passphrase("Passphrase for the exported key: ", true)?;
            if pw.is_empty() {
                bail!("refusing to export a private key with an empty passphrase");
            }
            let pem = sk.to_encrypted_pem(pw.as_bytes())?;
            if output == "-" {
                print!("{pem}");
            } else {
                write_private_file(&output, pem.as_bytes())?;
                eprintln!(
                    "Wrote the encrypted signing key of {} to {output}",
                    k.label()
                );
            }
            Ok(Outcome::Ok)
        }
    }
}

fn write_private_file(path: &str, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("could not create `{path}` (it must not exist yet)"))?;
    f.write_all(bytes)
        .with_context(|| format!("could not write `{path}`"))
}
