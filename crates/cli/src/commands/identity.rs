//! `vouch identity …`: the trusted keyless publishers (OIDC identities in Fulcio certificates).

use anyhow::{Context, Result};
use clap::Subcommand;
use vouch_core::trust::identity::Claims;
use vouch_core::trust::{Identity, IdentityInfo, KeyStatus, Subject, TrustedIdentity};

use super::publisher::{print_scopes_added, print_standing, scopes_text, PublisherArgs};
use super::{open_store, print_json};
use crate::Outcome;

#[derive(Subcommand)]
pub(crate) enum IdentityCmd {
    /// Trust a keyless publisher: the OIDC issuer and subject its signing certificates carry;
    /// prints the identity's id
    Add(Box<AddArgs>),
    /// List trusted identities
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show one identity by id or publisher
    Show {
        identity: String,
        #[arg(long)]
        json: bool,
    },
    /// Revoke an identity: it stays listed but no longer vouches for anything
    Revoke {
        identity: String,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Remove an identity from the trust store
    Rm { identity: String },
}

#[derive(clap::Args)]
pub(crate) struct AddArgs {
    /// The OIDC issuer, exactly (e.g. `https://token.actions.githubusercontent.com`)
    #[arg(long, value_name = "URL")]
    issuer: String,
    #[command(flatten)]
    subject: SubjectArgs,
    #[command(flatten)]
    publisher: PublisherArgs,
    /// Required source repository (Fulcio claim 1.3.6.1.4.1.57264.1.12), e.g. `https://github.com/acme/app`
    #[arg(long, value_name = "URL")]
    source_repository: Option<String>,
    /// Required source ref (claim …1.14), e.g. refs/tags/v1.2.0
    #[arg(long = "ref", value_name = "REF")]
    source_ref: Option<String>,
    /// Required workflow (build config URI, claim …1.18): with `@REF` compared whole, without
    /// at any ref
    #[arg(long, value_name = "URI")]
    workflow: Option<String>,
    /// Required build trigger (claim …1.20), e.g. push
    #[arg(long, value_name = "EVENT")]
    trigger: Option<String>,
    /// The trusted root (by name) the certificate must chain to; default the Sigstore
    /// public-good root
    #[arg(long, value_name = "NAME")]
    trusted_root: Option<String>,
}

#[derive(clap::Args)]
#[group(required = true, multiple = false)]
struct SubjectArgs {
    /// The certificate's email or URI, exactly; with `*` a glob (`*` within a path segment,
    /// `**` across, never past `@`)
    #[arg(long, value_name = "S")]
    subject: Option<String>,
    /// A regular expression the whole email or URI must match (anchored for you)
    #[arg(long, value_name = "RE")]
    subject_regexp: Option<String>,
}

pub(crate) fn run(cmd: IdentityCmd) -> Result<Outcome> {
    match cmd {
        IdentityCmd::Add(args) => add(*args)?,
        IdentityCmd::List { json } => {
            let set = open_store()?.load()?;
            let now = time::OffsetDateTime::now_utc();
            if json {
                let listed: Vec<IdentityInfo> = set
                    .identities
                    .into_iter()
                    .map(|i| IdentityInfo::at(i, now))
                    .collect();
                print_json(&listed)?;
            } else if set.identities.is_empty() {
                println!(
                    "No trusted identities. Add one with `vouch identity add --issuer URL --subject S --name PUBLISHER`."
                );
            } else {
                for i in &set.identities {
                    println!(
                        "{}  {:<8}  {}  {}  {} {}  {}{}",
                        i.id,
                        i.terms().state(now).word(),
                        i.publisher,
                        i.identity.issuer,
                        i.identity.subject.kind(),
                        i.identity.subject.text(),
                        scopes_text(&i.scopes),
                        i.source
                            .as_deref()
                            .map_or(String::new(), |l| format!("  [from {l}]"))
                    );
                }
            }
        }
        IdentityCmd::Show { identity, json } => {
            let info = IdentityInfo::at(
                open_store()?.resolve_identity(&identity)?,
                time::OffsetDateTime::now_utc(),
            );
            if json {
                print_json(&info)?;
            } else {
                show(&info);
            }
        }
        IdentityCmd::Revoke { identity, reason } => {
            let i = open_store()?.revoke_identity(&identity, reason.as_deref())?;
            println!("Revoked {} {}", i.id, i.publisher);
        }
        IdentityCmd::Rm { identity } => {
            let i = open_store()?.remove_identity(&identity)?;
            println!("Removed {} {}", i.id, i.publisher);
        }
    }
    Ok(Outcome::Ok)
}

/// Adds the identity; its id alone on stdout (for scripts), the rest on stderr.
fn add(args: AddArgs) -> Result<()> {
    let subject = match (args.subject.subject, args.subject.subject_regexp) {
        (_, Some(re)) => Subject::Regexp(re),
        (Some(s), None) => Subject::from_text(&s),
        // clap requires exactly one of them.
        (None, None) => anyhow::bail!("give --subject or --subject-regexp"),
    };
    let claims = Claims {
        source_repository: args.source_repository,
        source_ref: args.source_ref,
        workflow: args.workflow,
        trigger: args.trigger,
    };
    let identity = Identity::new(&args.issuer, subject, claims, args.trusted_root.as_deref())?;
    // The root it is tied to must exist now: an identity tied to no root could never vouch.
    if let Some(name) = &identity.trusted_root {
        let profile = vouch_core::paths::profile()?;
        vouch_core::sigstore::roots::RootStore::for_profile(&profile)
            .get(name)
            .with_context(|| {
                format!("the identity names the trusted root `{name}`, which cannot be used")
            })?;
    }
    let p = &args.publisher;
    let (i, existed) = open_store()?.add_identity(
        identity,
        p.name.as_deref(),
        &p.scopes,
        p.note.as_deref(),
        p.expires_at()?,
    )?;
    println!("{}", i.id);
    let verb = if existed { "Updated" } else { "Added" };
    eprintln!("{verb} the identity of {}: {}", i.publisher, describe(&i));
    print_scopes_added(&i.scopes, &mut std::io::stderr())?;
    if i.status == KeyStatus::Revoked {
        eprintln!(
            "Note: this identity is revoked and stays revoked; remove it first to trust it again"
        );
    }
    Ok(())
}

/// `subject S issued by ISSUER`.
fn describe(i: &TrustedIdentity) -> String {
    format!(
        "{} {} issued by {}",
        i.identity.subject.kind(),
        i.identity.subject.text(),
        i.identity.issuer
    )
}

fn show(info: &IdentityInfo) {
    let IdentityInfo { identity: i, state } = info;
    let id = &i.identity;
    println!("Publisher:   {}", i.publisher);
    println!("Id:          {}", i.id);
    println!("Issuer:      {}", id.issuer);
    println!("Subject:     {} ({})", id.subject.text(), id.subject.kind());
    for (claim, value) in id.claims.required() {
        println!("Requires:    {claim} {value} ({})", claim.oid());
    }
    println!("Root:        {}", id.trusted_root_name());
    if let Some(list) = &i.source {
        println!("From list:   {list}");
    }
    print_standing(&i.terms(), state, i.added_at, i.note.as_deref());
}
