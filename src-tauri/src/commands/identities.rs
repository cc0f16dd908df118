//! Trusted keyless identities: list, add, revoke, remove, and the names of the trusted roots an
//! identity can be tied to. The same core functions as `vouch identity …`; nothing decided here.

use serde::Deserialize;
use vouch_core::sigstore::roots::RootStore;
use vouch_core::trust::identity::Claims;
use vouch_core::trust::{Identity, IdentityInfo, Subject, TrustStore, TrustedIdentity};

use super::keys::optional_time;
use super::{blocking, with_store, Shared};
use crate::error::{IpcError, IpcResult};

/// An identity as the window shows it: with its state now, computed by the core.
pub(crate) fn identity_info(identity: TrustedIdentity) -> IdentityInfo {
    IdentityInfo::at(identity, time::OffsetDateTime::now_utc())
}

/// How the form gives the subject: as typed (a glob when it holds `*`), or a regular expression.
#[derive(Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub(crate) enum SubjectKind {
    /// Exact, or a glob when it holds a `*` (as `vouch identity add --subject`).
    Text,
    /// `--subject-regexp`: anchored for the person.
    Regexp,
}

#[derive(Deserialize, Debug)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub(crate) struct AddIdentityArgs {
    issuer: String,
    subject: String,
    subject_kind: SubjectKind,
    publisher: Option<String>,
    #[serde(default)]
    scopes: Vec<String>,
    note: Option<String>,
    expires_at: Option<String>,
    source_repository: Option<String>,
    source_ref: Option<String>,
    workflow: Option<String>,
    trigger: Option<String>,
    /// A trusted root's name; none (or `public-good`): the Sigstore public-good root.
    trusted_root: Option<String>,
}

/// A blank form field is a claim left out.
fn given(field: Option<String>) -> Option<String> {
    field.filter(|v| !v.trim().is_empty())
}

/// The identity the form describes, checked by the core (the CLI's `identity add` rule).
fn identity_of(args: &AddIdentityArgs) -> IpcResult<Identity> {
    let subject = match args.subject_kind {
        SubjectKind::Text => Subject::from_text(&args.subject),
        SubjectKind::Regexp => Subject::Regexp(args.subject.clone()),
    };
    let claims = Claims {
        source_repository: given(args.source_repository.clone()),
        source_ref: given(args.source_ref.clone()),
        workflow: given(args.workflow.clone()),
        trigger: given(args.trigger.clone()),
    };
    let root = given(args.trusted_root.clone());
    Ok(Identity::new(
        &args.issuer,
        subject,
        claims,
        root.as_deref(),
    )?)
}

/// Adds (or updates) the identity in `store`.
fn add(store: &TrustStore, args: AddIdentityArgs) -> IpcResult<TrustedIdentity> {
    let identity = identity_of(&args)?;
    let expires = optional_time(args.expires_at.as_deref())?;
    let (i, _) = store.add_identity(
        identity,
        args.publisher.as_deref(),
        &args.scopes,
        args.note.as_deref().filter(|n| !n.trim().is_empty()),
        expires,
    )?;
    Ok(i)
}

#[tauri::command]
pub(crate) async fn list_identities(state: Shared<'_>) -> IpcResult<Vec<IdentityInfo>> {
    let set = with_store(&state, |s| Ok(s.load()?)).await?;
    Ok(set.identities.into_iter().map(identity_info).collect())
}

#[tauri::command]
pub(crate) async fn add_identity(
    state: Shared<'_>,
    args: AddIdentityArgs,
) -> IpcResult<IdentityInfo> {
    with_store(&state, move |s| add(&s, args))
        .await
        .map(identity_info)
}

#[tauri::command]
pub(crate) async fn revoke_identity(
    state: Shared<'_>,
    id: String,
    reason: Option<String>,
) -> IpcResult<IdentityInfo> {
    with_store(&state, move |s| {
        Ok(s.revoke_identity(&id, reason.as_deref())?)
    })
    .await
    .map(identity_info)
}

#[tauri::command]
pub(crate) async fn remove_identity(state: Shared<'_>, id: String) -> IpcResult<()> {
    with_store(&state, move |s| {
        s.remove_identity(&id)?;
        Ok(())
    })
    .await
}

/// The names of the active profile's trusted roots, the public-good one first: the form's
/// choices for the root an identity's certificates must chain to.
#[tauri::command]
pub(crate) async fn list_trust_root_names() -> IpcResult<Vec<String>> {
    blocking(|| root_names(&RootStore::for_profile(&vouch_core::paths::profile()?))).await
}

pub(crate) fn root_names(roots: &RootStore) -> IpcResult<Vec<String>> {
    let roots = roots.list().map_err(IpcError::from)?;
    Ok(roots.into_iter().map(|r| r.name).collect())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::error::ErrorCode;
    use vouch_core::trust::{KeyState, KeyStatus, MemoryBackend};

    const ISSUER: &str = "https://token.actions.githubusercontent.com";
    const SUBJECT: &str = "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/*";

    fn store() -> TrustStore {
        let dir = std::env::temp_dir().join(format!(
            "vouch-app-identities-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        TrustStore::new(
            Arc::new(MemoryBackend::new()),
            "test",
            dir.join("trust.lock"),
        )
    }

    fn args(subject: &str, kind: SubjectKind) -> AddIdentityArgs {
        AddIdentityArgs {
            issuer: ISSUER.into(),
            subject: subject.into(),
            subject_kind: kind,
            publisher: Some("Acme Release".into()),
            scopes: vec!["ghcr.io/acme/**".into()],
            note: Some("  ".into()),
            expires_at: Some(String::new()),
            source_repository: Some("https://github.com/acme/app".into()),
            source_ref: Some(" ".into()),
            workflow: None,
            trigger: None,
            trusted_root: Some("public-good".into()),
        }
    }

    /// The window adds what `vouch identity add` adds: the same id, a glob from a `*`, blank
    /// fields left out, and the identity is in the store the CLI reads.
    #[test]
    fn an_identity_added_in_the_window_is_the_one_the_cli_would_add() {
        let s = store();
        let added = add(&s, args(SUBJECT, SubjectKind::Text)).expect("add");
        let cli = Identity::new(
            ISSUER,
            Subject::from_text(SUBJECT),
            Claims {
                source_repository: Some("https://github.com/acme/app".into()),
                ..Claims::default()
            },
            None,
        )
        .expect("identity");
        assert_eq!(added.id, cli.id());
        assert_eq!(added.identity, cli);
        assert_eq!(added.identity.subject, Subject::Glob(SUBJECT.into()));
        assert_eq!(added.note, None, "a blank note is no note");
        assert_eq!(
            added.identity.claims.source_ref, None,
            "a blank claim is left out"
        );
        let set = s.load().expect("load");
        assert_eq!(set.identities.len(), 1);
        assert_eq!(set.identities[0].publisher, "Acme Release");
        assert_eq!(set.identities[0].scopes, ["ghcr.io/acme/**"]);
        let info = identity_info(set.identities[0].clone());
        assert_eq!(info.state, KeyState::Active);
        // The JSON the window receives is `vouch identity list --json`'s shape: flat, with state.
        let v = serde_json::to_value(&info).expect("json");
        assert_eq!(v["id"], added.id.as_str());
        assert_eq!(v["issuer"], ISSUER);
        assert_eq!(v["subject"]["kind"], "glob");
        assert_eq!(v["state"]["kind"], "active");
    }

    /// A malformed field is refused in a sentence, with a code naming the field to show it at.
    #[test]
    fn bad_fields_are_refused_with_a_sentence_and_the_fields_code() {
        let s = store();
        let e = add(&s, args("https://github.com/(acme", SubjectKind::Regexp)).expect_err("regex");
        assert_eq!(e.code, ErrorCode::BadSubject, "{}", e.message);
        assert!(
            e.message.contains("does not compile") && e.message.contains("(acme"),
            "{}",
            e.message
        );
        let mut a = args(SUBJECT, SubjectKind::Text);
        a.issuer = "http://token.example".into();
        let e = add(&s, a).expect_err("http issuer");
        assert_eq!(e.code, ErrorCode::BadIssuer, "{}", e.message);
        assert!(e.message.contains("https"), "{}", e.message);
        let mut a = args(" ", SubjectKind::Text);
        a.issuer = ISSUER.into();
        assert_eq!(add(&s, a).expect_err("empty").code, ErrorCode::BadSubject);
        let mut a = args(SUBJECT, SubjectKind::Text);
        a.trusted_root = Some("Not A Name".into());
        assert_eq!(add(&s, a).expect_err("root").code, ErrorCode::BadTrustRoot);
        let mut a = args(SUBJECT, SubjectKind::Text);
        a.scopes = vec!["ghcr.io/a b".into()];
        assert_eq!(add(&s, a).expect_err("scope").code, ErrorCode::BadScope);
        let mut a = args(SUBJECT, SubjectKind::Text);
        a.workflow = Some("release.yml\u{7}".into());
        let e = add(&s, a).expect_err("claim");
        assert_eq!(e.code, ErrorCode::BadClaim, "{}", e.message);
        let mut a = args(SUBJECT, SubjectKind::Text);
        a.expires_at = Some("next week".into());
        assert_eq!(add(&s, a).expect_err("time").code, ErrorCode::BadTime);
        assert!(
            s.load().expect("load").identities.is_empty(),
            "nothing written"
        );
    }

    /// The form's root picker: the public-good root first, then the profile's own by name.
    #[test]
    fn the_trusted_root_names_are_the_profiles() {
        let dir = std::env::temp_dir().join(format!("vouch-app-roots-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let roots = RootStore::at(&dir);
        assert_eq!(root_names(&roots).expect("names"), ["public-good"]);
        roots
            .add(
                "acme-private",
                vouch_core::sigstore::PRODUCTION_TRUSTED_ROOT_JSON,
                "the test root",
            )
            .expect("add");
        assert_eq!(
            root_names(&roots).expect("names"),
            ["public-good", "acme-private"]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn revoke_and_remove_take_the_id_and_say_when_it_is_unknown() {
        let s = store();
        let added = add(&s, args(SUBJECT, SubjectKind::Text)).expect("add");
        let revoked = s
            .revoke_identity(&added.id, Some("workflow compromised"))
            .expect("revoke");
        assert_eq!(revoked.status, KeyStatus::Revoked);
        assert_eq!(identity_info(revoked).state, KeyState::Revoked);
        s.remove_identity(&added.id).expect("remove");
        let e = IpcError::from(s.remove_identity(&added.id).expect_err("gone"));
        assert_eq!(e.code, ErrorCode::IdentityNotFound);
        assert!(e.message.contains(&added.id), "{}", e.message);
    }
}
