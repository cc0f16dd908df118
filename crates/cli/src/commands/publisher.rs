//! What `vouch key` and `vouch identity` share: a trusted publisher's name, scopes, expiry and
//! note as flags, and its standing as lines of `show`.

use anyhow::Result;
use time::OffsetDateTime;
use vouch_core::trust::{KeyState, Terms};

/// The flags that describe a publisher, whether it signs with a key or keyless.
#[derive(clap::Args)]
pub(crate) struct PublisherArgs {
    /// The publisher this key or identity belongs to
    #[arg(long)]
    pub(crate) name: Option<String>,
    /// Repositories it may vouch for (glob; `*` in a segment, `**` across); repeatable
    #[arg(long = "scope")]
    pub(crate) scopes: Vec<String>,
    /// When trust in it ends (RFC 3339)
    #[arg(long)]
    pub(crate) expires: Option<String>,
    #[arg(long)]
    pub(crate) note: Option<String>,
}

impl PublisherArgs {
    /// `--expires`, parsed.
    pub(crate) fn expires_at(&self) -> Result<Option<OffsetDateTime>> {
        Ok(self
            .expires
            .as_deref()
            .map(vouch_core::trust::parse_time)
            .transpose()?)
    }
}

/// The scope line printed after adding a key or an identity.
pub(crate) fn print_scopes_added(scopes: &[String], out: &mut dyn std::io::Write) -> Result<()> {
    if scopes.is_empty() {
        writeln!(out, "Scope: every repository (no --scope given)")?;
    } else {
        writeln!(out, "Scopes: {}", scopes.join(", "))?;
    }
    Ok(())
}

/// The lines of `show` from `Status:` to `Note:`, the same for keys and identities.
pub(crate) fn print_standing(
    terms: &Terms<'_>,
    state: &KeyState,
    added_at: OffsetDateTime,
    note: Option<&str>,
) {
    println!("Status:      {state}");
    if let Some(r) = terms.revoked_reason {
        println!("Revoked:     {r}");
    }
    println!("Scopes:      {}", scopes_text(terms.scopes));
    println!("Added:       {}", fmt_time(added_at));
    if let Some(e) = terms.expires_at {
        println!("Expires:     {}", fmt_time(e));
    }
    if let Some(n) = note {
        println!("Note:        {n}");
    }
}

/// `every repository`, or the scopes.
pub(crate) fn scopes_text(scopes: &[String]) -> String {
    if scopes.is_empty() {
        "every repository".into()
    } else {
        scopes.join(", ")
    }
}

pub(crate) fn fmt_time(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}
