//! Mints keyless-signed images into a registry, for the keyless benchmark rows and the demo:
//! N small distinct images (each its own config, all one shared layer, as `seed` pushes them),
//! each signed keyless the way cosign 2.x writes it — a `.sig` layer carrying a Fulcio-style
//! leaf certificate for the identity (its own key per image, an embedded SCT), the CA chain and
//! a Rekor signed entry timestamp — by the local Sigstore-like instance of `vouch_core::sigstore::testing`, whose keys derive
//! from its label (the same label gives the same trusted root, run after run).
//!
//! Usage (inside `tests/harness/with-env.sh`, see `bench/keyless.sh`):
//!   cargo run --release -p vouch-core --features sigstore-testing --example mint-keyless -- \
//!       REGISTRY REPOSITORY COUNT OUT_DIR [--issuer URL] [--subject S] [--instance LABEL]
//!       [--tag TAG] [--concurrency C]
//! Writes in OUT_DIR: `trusted_root.json` (for `vouch trust-root add` and cosign's
//! `--trusted-root`), `fulcio.pem`, `rekor.pub`, `ctfe.pub` and `cosign.env` (the
//! `SIGSTORE_*=PATH` lines cosign 2.5 reads them from), and `images` (one reference per line,
//! `REGISTRY/REPOSITORY:iNNNNN`, or `:TAG` for a single image given `--tag`).
//! Defaults: the GitHub Actions issuer and the subject
//! `https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main` (a workflow
//! subject of GitHub's issuer gets GitHub's claims: repository, ref, workflow, trigger).

mod common;

use std::io::Write as _;
use std::time::Instant;

use common::Error;
use vouch_core::sigstore::testing::{self, Instance, LeafSpec, San};

const DEFAULT_SUBJECT: &str =
    "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main";
const USAGE: &str = "usage: mint-keyless REGISTRY REPOSITORY COUNT OUT_DIR [--issuer URL] \
                     [--subject S] [--instance LABEL] [--tag TAG] [--concurrency C]";

struct Args {
    registry: String,
    repository: String,
    count: usize,
    out: std::path::PathBuf,
    issuer: String,
    subject: String,
    instance: String,
    tag: Option<String>,
    concurrency: usize,
}

fn args() -> Result<Args, Error> {
    let mut positional = Vec::new();
    let mut a = Args {
        registry: String::new(),
        repository: String::new(),
        count: 0,
        out: Default::default(),
        issuer: testing::GITHUB_ISSUER.into(),
        subject: DEFAULT_SUBJECT.into(),
        instance: "vouch-bench".into(),
        tag: None,
        concurrency: 16,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || {
            it.next()
                .ok_or_else(|| format!("{arg} needs a value; {USAGE}"))
        };
        match arg.as_str() {
            "--issuer" => a.issuer = value()?,
            "--subject" => a.subject = value()?,
            "--instance" => a.instance = value()?,
            "--tag" => a.tag = Some(value()?),
            "--concurrency" => a.concurrency = value()?.parse()?,
            _ if arg.starts_with("--") => {
                return Err(format!("unknown option {arg}; {USAGE}").into())
            }
            _ => positional.push(arg),
        }
    }
    let [registry, repository, count, out] =
        <[String; 4]>::try_from(positional).map_err(|_| Error::from(USAGE))?;
    (a.registry, a.repository, a.out) = (registry, repository, out.into());
    a.count = count
        .parse()
        .map_err(|_| format!("COUNT `{count}` is not a number; {USAGE}"))?;
    if a.tag.is_some() && a.count != 1 {
        return Err(format!("--tag names one image; COUNT is {}", a.count).into());
    }
    Ok(a)
}

/// What the leaf certificates say: `subject` as a URI (or an email), with GitHub's claims when
/// it is a workflow of GitHub's issuer.
fn leaf_spec(issuer: &str, subject: &str, not_before: i64) -> LeafSpec {
    let workflow = subject
        .strip_prefix("https://github.com/")
        .and_then(|rest| rest.split_once("/.github/workflows/"))
        .and_then(|(repo, file)| file.split_once('@').map(|(wf, r)| (repo, wf, r)));
    match workflow {
        Some((repo, wf, git_ref)) if issuer == testing::GITHUB_ISSUER => {
            LeafSpec::github(repo, wf, git_ref, not_before)
        }
        _ => LeafSpec {
            san: if subject.contains("://") || !subject.contains('@') {
                San::Uri(subject.into())
            } else {
                San::Email(subject.into())
            },
            issuer: issuer.into(),
            claims: Vec::new(),
            not_before,
            not_after: not_before + 600,
        },
    }
}

fn main() -> Result<(), Error> {
    let a = args()?;
    std::fs::create_dir_all(&a.out)?;
    let instance = Instance::new(&a.instance);
    std::fs::write(
        a.out.join("trusted_root.json"),
        instance.trusted_root_json(),
    )?;
    let mut env = std::fs::File::create(a.out.join("cosign.env"))?;
    for (var, path) in instance.write_cosign_files(&a.out)? {
        writeln!(env, "{var}={}", path.display())?;
    }

    let started = Instant::now();
    let now = testing::now();
    // As Fulcio issues them: valid for ten minutes from a moment ago; logged within them.
    let spec = leaf_spec(&a.issuer, &a.subject, now - 120);
    let tags = match &a.tag {
        Some(tag) => vec![tag.clone()],
        None => (0..a.count).map(|i| format!("i{i:05}")).collect(),
    };
    // Each image gets its own leaf key and certificate, as each `cosign sign` run does.
    let sign = |r: &vouch_core::reference::ImageRef, digest: &str| {
        let leaf = instance.leaf(&spec, &format!("{}/leaf/{}", a.instance, digest));
        let layer = instance.sign_image(&r.repository(), digest, &leaf, now - 60);
        Ok(Some((layer.payload, layer.annotations)))
    };
    let refs = common::runtime()?.block_on(common::seed(
        &a.registry,
        &a.repository,
        tags,
        a.concurrency,
        sign,
    ))?;
    let mut list = std::fs::File::create(a.out.join("images"))?;
    for r in &refs {
        writeln!(list, "{r}")?;
    }
    eprintln!(
        "mint-keyless: {} keyless-signed images in {}/{} for {} ({}) in {:.1} s",
        refs.len(),
        a.registry,
        a.repository,
        spec.identity(),
        a.issuer,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
