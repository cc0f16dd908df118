//! `vouch verify-bundle --bundle FILE (--certificate-identity ID --certificate-oidc-issuer URL |
//! --key KEY) [--trusted-root FILE] FILE_OR_DIGEST`: one Sigstore bundle verified offline, with
//! exactly the Sigstore conformance suite's CLI protocol.

use anyhow::{Context, Result};
use vouch_core::sigstore::roots::RootStore;
use vouch_core::sigstore::{self, Artifact, Bundle, Signer, TrustedRoot};

use crate::input::read_source;
use crate::Outcome;

#[derive(clap::Args)]
pub(crate) struct VerifyBundleArgs {
    /// The Sigstore bundle (JSON, v0.1–v0.3)
    #[arg(long, value_name = "FILE")]
    bundle: String,
    /// The signer's identity: the certificate's SAN (email or URI), matched exactly
    #[arg(
        long = "certificate-identity",
        value_name = "IDENTITY",
        requires = "issuer",
        conflicts_with = "key",
        required_unless_present = "key"
    )]
    identity: Option<String>,
    /// The OIDC issuer that vouched for the identity, matched exactly
    #[arg(
        long = "certificate-oidc-issuer",
        id = "issuer",
        value_name = "URL",
        requires = "identity",
        conflicts_with = "key"
    )]
    issuer: Option<String>,
    /// A managed key's public half (PEM) instead of a keyless identity
    #[arg(long, value_name = "PATH")]
    key: Option<String>,
    /// A Sigstore trusted root (JSON) instead of the public-good one (as `trust-root update` left it, else embedded)
    #[arg(long = "trusted-root", value_name = "FILE")]
    trusted_root: Option<String>,
    /// The signed file, or `sha256:<hex>` of it
    #[arg(value_name = "FILE_OR_DIGEST")]
    artifact: String,
}

fn text(path: &str, what: &str) -> Result<String> {
    String::from_utf8(read_source(path)?)
        .with_context(|| format!("{what} `{path}` is not UTF-8 text"))
}

/// The file streamed (constant memory), or read whole when the signature's scheme needs the
/// whole message (Ed25519 message signatures).
fn verify_file(
    path: &str,
    bundle: &Bundle,
    signer: &Signer,
    root: &TrustedRoot,
) -> Result<Result<sigstore::Verified, sigstore::SigstoreError>> {
    let unreadable = || format!("could not read the artifact `{path}`");
    let file = std::fs::File::open(path).with_context(unreadable)?;
    match sigstore::verify_reader(bundle, std::io::BufReader::new(file), signer, root) {
        Err(sigstore::SigstoreError::Unsupported { .. }) => {
            let bytes = std::fs::read(path).with_context(unreadable)?;
            Ok(sigstore::verify(
                bundle,
                Artifact::Bytes(&bytes),
                signer,
                root,
            ))
        }
        other => Ok(other),
    }
}

pub(crate) fn run(args: VerifyBundleArgs) -> Result<Outcome> {
    let bundle = Bundle::from_json(&text(&args.bundle, "the bundle")?)
        .with_context(|| format!("could not read the bundle `{}`", args.bundle))?;
    let root = match &args.trusted_root {
        Some(path) => TrustedRoot::from_json(&text(path, "the trusted root")?)
            .with_context(|| format!("could not read the trusted root `{path}`"))?,
        // The profile's public-good root: the one `trust-root update` stored, else the embedded one.
        None => {
            RootStore::for_profile(&vouch_core::paths::profile()?)
                .public_good()?
                .0
        }
    };
    let signer = match (args.key, args.identity, args.issuer) {
        (Some(key), _, _) => Signer::Key {
            pem: text(&key, "the key")?,
        },
        (None, Some(identity), Some(issuer)) => Signer::Identity { identity, issuer },
        // clap requires --key or both identity flags.
        _ => anyhow::bail!("give --key, or --certificate-identity with --certificate-oidc-issuer"),
    };
    let outcome = if args.artifact.starts_with("sha256:") {
        let digest = Artifact::parse_digest(&args.artifact)?;
        sigstore::verify(&bundle, digest, &signer, &root)
    } else {
        verify_file(&args.artifact, &bundle, &signer, &root)?
    };
    match outcome {
        Ok(v) => {
            match (v.identity, v.issuer) {
                (Some(id), Some(iss)) => println!("Verified: signed by {id} (issuer {iss})"),
                _ => println!("Verified: signed by the given key"),
            }
            Ok(Outcome::Ok)
        }
        Err(e) => {
            eprintln!("vouch: not verified: {e}");
            Ok(Outcome::NotVerified)
        }
    }
}
