//! Publishing, co-signing and fetching trust lists through [`Registry`]: fetching decides
//! nothing but what the bytes are (tampering is named here: the signed statement's digest must
//! be the layer's); whether signatures count is [`super::sync`]'s question.

use std::sync::Arc;

use serde::Serialize;
use time::OffsetDateTime;

use super::document::{
    artifact_manifest, check_threshold, parse_list_document, parse_list_manifest,
    parse_statement_envelope, parse_statement_manifest, statement_tag, ListDocument, ListRoot,
    ListSigner, ListStatement, ENVELOPE_MEDIA_TYPE, LIST_MEDIA_TYPE, MAX_LIST_BYTES,
    STATEMENT_ARTIFACT_TYPE, STATEMENT_FORMAT, STATEMENT_PAYLOAD_TYPE,
};
use super::ListError;
use crate::dsse::Envelope;
use crate::keys::{PrivateKey, PublicKey};
use crate::oci::{Digest, OCI_IMAGE_MEDIA_TYPE};
use crate::reference::ImageRef;
use crate::registry::{Registry, RegistryError, RegistryOptions};
use crate::sigstore::roots::RootStore;
use crate::trust::entry::Entry;
use crate::trust::{scope, TrustSet};

/// A list as fetched, parsed and checked for tampering; signatures not yet counted.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// `REGISTRY/REPO:TAG`, normalised.
    pub reference: String,
    pub manifest_digest: Digest,
    pub statement: ListStatement,
    /// `sha256:` of the statement payload (what the admins signed).
    pub statement_digest: String,
    pub envelope: Envelope,
    pub list: ListDocument,
}

/// What to publish.
#[derive(Debug, Clone)]
pub struct PublishRequest {
    /// `REGISTRY/REPO:TAG`.
    pub reference: String,
    /// Publish only the keys and identities with a scope these globs cover; empty: all.
    pub scopes: Vec<String>,
    pub expires_at: OffsetDateTime,
    /// Admins whose signatures count besides the signing keys'.
    pub signers: Vec<PublicKey>,
    pub threshold: u32,
    /// An explicit version; by default one more than the last published.
    pub version: Option<u64>,
    /// The last version this profile published there, from its own records.
    pub last_published: Option<u64>,
    /// The publishing profile's trusted roots: the custom roots its identities are tied to
    /// are pinned in the list by digest.
    pub roots: RootStore,
}

/// What `publish` did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PublishOutcome {
    pub reference: String,
    pub version: u64,
    pub manifest_digest: String,
    pub statement_tag: String,
    pub list_digest: String,
    /// The fingerprints of the published keys.
    pub keys: Vec<String>,
    /// The ids of the published keyless identities.
    pub identities: Vec<String>,
    /// How many admins signed now, of the threshold.
    pub signatures: usize,
    pub threshold: u32,
    pub signers: usize,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub expires_at: OffsetDateTime,
}

/// What `cosign` did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CosignOutcome {
    pub reference: String,
    pub version: u64,
    /// Distinct list signers whose signatures are valid now.
    pub signatures: usize,
    pub threshold: u32,
}

/// The list's repository, tag and a client for its registry.
fn open(
    reference: &str,
    opts: RegistryOptions,
) -> Result<(ImageRef, String, Arc<Registry>), ListError> {
    let r = ImageRef::parse(reference)?;
    let tag = match (r.tag(), r.digest()) {
        (Some(t), None) => t.to_string(),
        _ => return Err(ListError::NoTag(reference.to_string())),
    };
    let registry = Registry::new(opts, [r.registry_host()])?;
    Ok((r, tag, registry))
}

/// The normalised `REGISTRY/REPO:TAG` of a list reference.
pub fn normalise(reference: &str) -> Result<String, ListError> {
    let r = ImageRef::parse(reference)?;
    match (r.tag(), r.digest()) {
        (Some(t), None) => Ok(format!("{}:{t}", r.repository())),
        _ => Err(ListError::NoTag(reference.to_string())),
    }
}

/// Fetches the list at `reference` and its signed statement, by digest.
pub async fn fetch(reference: &str, opts: RegistryOptions) -> Result<Fetched, ListError> {
    let (r, tag, registry) = open(reference, opts)?;
    fetch_from(&registry, &r, &tag, false).await
}

async fn fetch_from(
    registry: &Registry,
    r: &ImageRef,
    tag: &str,
    push: bool,
) -> Result<Fetched, ListError> {
    let reference = format!("{}:{tag}", r.repository());
    let manifest =
        registry
            .manifest(r, tag, push)
            .await?
            .ok_or_else(|| ListError::NotPublished {
                reference: reference.clone(),
            })?;
    let manifest_digest = Digest::parse(&manifest.digest).map_err(|e| ListError::NotAList {
        reference: reference.clone(),
        why: e.to_string(),
    })?;
    let (layer, layer_size) =
        parse_list_manifest(&manifest.bytes).map_err(|e| ListError::NotAList {
            reference: reference.clone(),
            why: e.to_string(),
        })?;
    let signed = registry
        .manifest(r, &statement_tag(&manifest_digest), push)
        .await?
        .ok_or_else(|| ListError::Unsigned {
            reference: reference.clone(),
            manifest: manifest_digest.short(),
        })?;
    let (envelope_digest, _) = parse_statement_manifest(&signed.bytes)?;
    let envelope_bytes = registry
        .blob(r, envelope_digest.as_str(), MAX_LIST_BYTES)
        .await?;
    let (envelope, statement) = parse_statement_envelope(&envelope_bytes)?;
    if statement.repository != r.repository() {
        return Err(ListError::WrongRepository {
            reference,
            signed: statement.repository,
        });
    }
    let tampered = |actual: String| ListError::Tampered {
        reference: reference.clone(),
        expected: statement.list_digest.clone(),
        actual,
    };
    if layer.as_str() != statement.list_digest || layer_size != statement.list_size {
        return Err(tampered(format!("{layer} ({layer_size} bytes)")));
    }
    let list_bytes = match registry.blob(r, layer.as_str(), MAX_LIST_BYTES).await {
        Ok(b) => b,
        Err(RegistryError::DigestMismatch { actual, .. }) => return Err(tampered(actual)),
        Err(e) => return Err(e.into()),
    };
    let list = parse_list_document(&list_bytes)?;
    Ok(Fetched {
        reference,
        manifest_digest,
        statement_digest: Digest::of(&envelope.payload).to_string(),
        statement,
        envelope,
        list,
    })
}

/// The keys and identities of `set` a list publishes: those trusted here (not from another
/// list), and with `scopes`, only those with a scope one of them covers; no private half, no
/// source. The custom trusted roots the identities are tied to are pinned by the digest of
/// their documents in `roots`; one missing there refuses the publication.
fn selection(
    set: &TrustSet,
    scopes: &[String],
    roots: &RootStore,
) -> Result<ListDocument, ListError> {
    fn chosen<T: Entry>(entries: &[T], scopes: &[String]) -> Vec<T> {
        let covered = |e: &T| {
            scopes.is_empty()
                || e.scopes()
                    .iter()
                    .any(|s| scopes.iter().any(|g| g == s || scope::matches(g, s)))
        };
        entries
            .iter()
            .filter(|e| e.source().is_none() && covered(e))
            .map(Entry::imported)
            .collect()
    }
    let list = TrustSet {
        keys: chosen(&set.keys, scopes),
        identities: chosen(&set.identities, scopes),
        ..TrustSet::default()
    };
    let mut trusted_roots: Vec<ListRoot> = Vec::new();
    for i in &list.identities {
        let Some(name) = i.identity.trusted_root.as_deref() else {
            continue;
        };
        if trusted_roots.iter().any(|r| r.name == name) {
            continue;
        }
        let digest = roots
            .digest(name)
            .map_err(|e| ListError::RootUnavailable {
                identity: i.label(),
                root: name.to_string(),
                why: e.to_string(),
            })?
            .ok_or_else(|| ListError::RootUnavailable {
                identity: i.label(),
                root: name.to_string(),
                why: "this profile has no trusted root of that name".to_string(),
            })?;
        trusted_roots.push(ListRoot {
            name: name.to_string(),
            digest,
        });
    }
    Ok(ListDocument {
        set: list,
        trusted_roots,
    })
}

/// Publishes `set`'s keys and identities (see [`PublishRequest`]) at `req.reference`, signed by `keys`.
pub async fn publish(
    req: &PublishRequest,
    set: &TrustSet,
    keys: &[PrivateKey],
    opts: RegistryOptions,
    now: OffsetDateTime,
) -> Result<PublishOutcome, ListError> {
    let (r, tag, registry) = open(&req.reference, opts)?;
    for g in &req.scopes {
        scope::validate(g)?;
    }
    let list = selection(set, &req.scopes, &req.roots)?;
    if list.set.keys.is_empty() && list.set.identities.is_empty() {
        let chosen = if req.scopes.is_empty() {
            "every scope".to_string()
        } else {
            req.scopes.join(", ")
        };
        return Err(ListError::NothingToPublish(chosen));
    }
    let mut signers: Vec<ListSigner> = Vec::new();
    let publics = keys.iter().map(PrivateKey::public_key);
    for k in publics.chain(req.signers.iter().cloned()) {
        let fingerprint = k.fingerprint();
        if !signers.iter().any(|s| s.fingerprint == fingerprint) {
            signers.push(ListSigner {
                fingerprint,
                public_key: k.to_pem(),
            });
        }
    }
    check_threshold(req.threshold, signers.len())?;
    if req.expires_at <= now {
        return Err(ListError::ExpiryPast(super::rfc3339(req.expires_at)));
    }

    let in_registry = match fetch_from(&registry, &r, &tag, true).await {
        Ok(f) => Some(f.statement.version),
        Err(e @ (ListError::NotAList { .. } | ListError::Registry(_))) => return Err(e),
        Err(_) => None,
    };
    let last = in_registry.max(req.last_published);
    let version = req.version.unwrap_or(last.unwrap_or(0) + 1);
    if let Some(last) = last.filter(|l| version <= *l) {
        return Err(ListError::VersionNotNewer {
            reference: format!("{}:{tag}", r.repository()),
            wanted: version,
            last,
        });
    }

    let list_bytes = list.to_json()?;
    let statement = ListStatement {
        format: STATEMENT_FORMAT.into(),
        version,
        repository: r.repository(),
        list_digest: Digest::of(&list_bytes).to_string(),
        list_size: list_bytes.len() as u64,
        issued_at: super::whole_seconds(now),
        expires_at: req.expires_at,
        signers,
        threshold: req.threshold,
    };
    let mut envelope = Envelope {
        payload_type: STATEMENT_PAYLOAD_TYPE.into(),
        payload: statement.to_payload()?,
        signatures: Vec::new(),
    };
    for k in keys {
        envelope.add_signature(k, &k.public_key().fingerprint());
    }
    let (config, list_manifest) = artifact_manifest(LIST_MEDIA_TYPE, LIST_MEDIA_TYPE, &list_bytes);
    let manifest_digest = Digest::of(&list_manifest);
    // The statement first: the tag moves to the new list only once its signatures are there.
    let statement_tag = push_statement(&registry, &r, &manifest_digest, &envelope).await?;
    registry.push_blob(&r, config).await?;
    registry.push_blob(&r, list_bytes).await?;
    registry
        .push_manifest(&r, &tag, list_manifest, OCI_IMAGE_MEDIA_TYPE)
        .await?;
    Ok(PublishOutcome {
        reference: format!("{}:{tag}", r.repository()),
        version,
        manifest_digest: manifest_digest.to_string(),
        statement_tag,
        list_digest: statement.list_digest,
        keys: list
            .set
            .keys
            .iter()
            .map(|k| k.fingerprint.clone())
            .collect(),
        identities: list.set.identities.iter().map(|i| i.id.clone()).collect(),
        signatures: keys.len(),
        threshold: statement.threshold,
        signers: statement.signers.len(),
        expires_at: statement.expires_at,
    })
}

/// Pushes `envelope` as the statement of the list manifest `manifest`; returns its tag.
async fn push_statement(
    registry: &Registry,
    r: &ImageRef,
    manifest: &Digest,
    envelope: &Envelope,
) -> Result<String, ListError> {
    let bytes = envelope.to_json();
    let (config, statement_manifest) =
        artifact_manifest(STATEMENT_ARTIFACT_TYPE, ENVELOPE_MEDIA_TYPE, &bytes);
    registry.push_blob(r, config).await?;
    registry.push_blob(r, bytes).await?;
    let tag = statement_tag(manifest);
    registry
        .push_manifest(r, &tag, statement_manifest, OCI_IMAGE_MEDIA_TYPE)
        .await?;
    Ok(tag)
}

/// Adds the signatures of `keys` (each one of the list's signers) to the statement of the list
/// at `reference`: how an admin co-signs a list another admin published.
pub async fn cosign(
    reference: &str,
    keys: &[PrivateKey],
    opts: RegistryOptions,
) -> Result<CosignOutcome, ListError> {
    let (r, tag, registry) = open(reference, opts)?;
    let mut fetched = fetch_from(&registry, &r, &tag, true).await?;
    let st = &fetched.statement;
    for k in keys {
        let fp = k.public_key().fingerprint();
        if !st.signers.iter().any(|s| s.fingerprint == fp) {
            return Err(ListError::NotASigner(crate::trust::short_fingerprint(&fp)));
        }
        fetched.envelope.add_signature(k, &fp);
    }
    push_statement(&registry, &r, &fetched.manifest_digest, &fetched.envelope).await?;
    let admins = super::sync::signer_keys(&st.signers);
    Ok(CosignOutcome {
        reference: fetched.reference.clone(),
        version: st.version,
        signatures: super::sync::valid_signers(&fetched.envelope, &admins).len(),
        threshold: st.threshold,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{Algorithm, PrivateKey};
    use crate::sigstore::testing::Instance;
    use crate::trust::{Identity, Subject, TrustedIdentity, TrustedKey};
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2027-01-01 00:00 UTC);

    fn identity(publisher: &str, scope: &str, root: Option<&str>) -> TrustedIdentity {
        let id = Identity::new(
            "https://issuer.example",
            Subject::Exact(format!("{publisher}@corp.example")),
            Default::default(),
            root,
        )
        .expect("identity");
        TrustedIdentity::new(id, publisher, vec![scope.into()], NOW)
    }

    #[test]
    fn the_selection_takes_keys_and_identities_by_scope_and_pins_their_roots() {
        let dir = tempfile::tempdir().expect("tempdir");
        let roots = RootStore::at(dir.path());
        let key = PrivateKey::generate(Algorithm::Ed25519).expect("key");
        let mut k = TrustedKey::new(&key.public_key(), "acme", vec!["reg/team/**".into()], NOW);
        k.has_private = true;
        let mut from_list = identity("other", "reg/team/**", None);
        from_list.source = Some("reg/elsewhere/trust:prod".into());
        let set = TrustSet {
            keys: vec![k],
            identities: vec![
                identity("ci", "reg/team/app", Some("corp")),
                identity("outside", "reg/else/**", None),
                from_list,
            ],
            ..TrustSet::default()
        };
        let scopes = vec!["reg/team/**".to_string()];
        // The root an identity is tied to is missing here: nothing is published.
        let err = selection(&set, &scopes, &roots).expect_err("no root");
        assert!(
            err.to_string().contains("trusted root `corp`") && err.to_string().contains("ci"),
            "{err}"
        );
        let json = Instance::new("vouch-list-root").trusted_root_json();
        roots.add("corp", &json, "the test root").expect("add");
        let list = selection(&set, &scopes, &roots).expect("selection");
        assert_eq!(list.set.keys.len(), 1);
        assert!(!list.set.keys[0].has_private);
        let ids: Vec<&str> = list
            .set
            .identities
            .iter()
            .map(|i| i.publisher.as_str())
            .collect();
        assert_eq!(ids, ["ci"], "by scope, and never what another list added");
        assert_eq!(
            list.trusted_roots,
            vec![ListRoot {
                name: "corp".into(),
                digest: Digest::of(json.as_bytes()).to_string(),
            }]
        );
    }
}
