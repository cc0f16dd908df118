//! A local Sigstore-like instance for tests: a Fulcio-style root CA and intermediate, leaf
//! certificates with the Fulcio extensions and an embedded SCT from a test CT log key, Rekor
//! signed entry timestamps from a test log key, all written as a custom trusted root. What it
//! mints is what the public instance would, byte for byte in form (cosign accepts it with the
//! same trusted root), signed by keys derived from a label, so a test is reproducible.
//!
//! Test support only (compiled for the unit tests and with the `sigstore-testing` feature): it
//! panics on what cannot happen with its own inputs.

use std::collections::BTreeMap;
use std::str::FromStr as _;

use base64::Engine as _;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use p256::pkcs8::EncodePublicKey as _;
use serde_json::json;
use sha2::Digest as _;
use x509_cert::der::asn1::{BitString, Ia5String, ObjectIdentifier, OctetString, UtcTime};
use x509_cert::der::{Decode as _, Encode as _};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectAltName,
};
use x509_cert::ext::Extension;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::time::{Time, Validity};
use x509_cert::{Certificate, TbsCertificate};

/// The legacy Fulcio issuer extension (raw bytes).
pub const OID_ISSUER_V1: &str = "1.3.6.1.4.1.57264.1.1";
/// The Fulcio issuer extension (DER UTF8String).
pub const OID_ISSUER_V2: &str = "1.3.6.1.4.1.57264.1.8";
/// Fulcio's source repository URI claim.
pub const OID_SOURCE_REPOSITORY_URI: &str = "1.3.6.1.4.1.57264.1.12";
/// Fulcio's source repository ref claim.
pub const OID_SOURCE_REPOSITORY_REF: &str = "1.3.6.1.4.1.57264.1.14";
/// Fulcio's build config URI claim (the workflow).
pub const OID_BUILD_CONFIG_URI: &str = "1.3.6.1.4.1.57264.1.18";
/// Fulcio's build trigger claim.
pub const OID_BUILD_TRIGGER: &str = "1.3.6.1.4.1.57264.1.20";

const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const SCT_LIST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.11129.2.4.2");
const TIME_STAMPING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8");
const CODE_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.3");

/// GitHub Actions' OIDC issuer.
pub const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";

/// A P-256 key derived from `label` (SHA-256 of it as the scalar).
pub fn key(label: &str) -> SigningKey {
    // A SHA-256 output is a valid P-256 scalar except with negligible probability.
    SigningKey::from_slice(&sha2::Sha256::digest(label.as_bytes())).expect("a P-256 scalar")
}

/// DER SubjectPublicKeyInfo of `key`.
pub fn spki_der(key: &SigningKey) -> Vec<u8> {
    key.verifying_key()
        .to_public_key_der()
        .expect("a P-256 public key encodes")
        .as_bytes()
        .to_vec()
}

/// PEM `PUBLIC KEY` of `key`.
pub fn public_pem(key: &SigningKey) -> String {
    key.verifying_key()
        .to_public_key_pem(p256::pkcs8::LineEnding::LF)
        .expect("a P-256 public key encodes")
}

fn sign_der(key: &SigningKey, data: &[u8]) -> Vec<u8> {
    let sig: Signature = key.sign(data);
    sig.to_der().as_bytes().to_vec()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// RFC 3339 of Unix seconds.
pub fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .expect("a time in range")
        .format(&time::format_description::well_known::Rfc3339)
        .expect("RFC 3339 formats")
}

/// The current Unix time.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn ext(oid: &str, critical: bool, value: Vec<u8>) -> Extension {
    Extension {
        extn_id: ObjectIdentifier::new(oid).expect("an OID"),
        critical,
        extn_value: OctetString::new(value).expect("an octet string"),
    }
}

fn typed_ext(
    oid: ObjectIdentifier,
    critical: bool,
    value: &impl x509_cert::der::Encode,
) -> Extension {
    Extension {
        extn_id: oid,
        critical,
        extn_value: OctetString::new(value.to_der().expect("an extension encodes"))
            .expect("an octet string"),
    }
}

/// The key usage (digital signature, critical) and extended key usage (`purpose`) of a
/// signing leaf.
fn signing_usage(purpose: ObjectIdentifier, eku_critical: bool) -> [Extension; 2] {
    [
        typed_ext(
            x509_cert::der::oid::db::rfc5280::ID_CE_KEY_USAGE,
            true,
            &KeyUsage(KeyUsages::DigitalSignature.into()),
        ),
        typed_ext(
            x509_cert::der::oid::db::rfc5280::ID_CE_EXT_KEY_USAGE,
            eku_critical,
            &ExtendedKeyUsage(vec![purpose]),
        ),
    ]
}

fn utc(unix: i64) -> Time {
    let secs = u64::try_from(unix).expect("a time after 1970");
    Time::UtcTime(
        UtcTime::from_unix_duration(std::time::Duration::from_secs(secs)).expect("a UTCTime"),
    )
}

/// A TBS certificate over `subject_key` signed by `issuer_key`.
#[allow(clippy::too_many_arguments)]
fn tbs(
    serial: u32,
    issuer: &Name,
    subject: &Name,
    subject_key: &[u8],
    not_before: i64,
    not_after: i64,
    extensions: Vec<Extension>,
) -> TbsCertificate {
    TbsCertificate {
        version: x509_cert::Version::V3,
        serial_number: SerialNumber::new(&serial.to_be_bytes()).expect("a serial"),
        signature: AlgorithmIdentifierOwned {
            oid: ECDSA_WITH_SHA256,
            parameters: None,
        },
        issuer: issuer.clone(),
        validity: Validity {
            not_before: utc(not_before),
            not_after: utc(not_after),
        },
        subject: subject.clone(),
        subject_public_key_info: SubjectPublicKeyInfoOwned::from_der(subject_key).expect("an SPKI"),
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: Some(extensions),
    }
}

fn finish(tbs: TbsCertificate, issuer_key: &SigningKey) -> Vec<u8> {
    let tbs_der = tbs.to_der().expect("a TBS certificate encodes");
    let cert = Certificate {
        tbs_certificate: tbs,
        signature_algorithm: AlgorithmIdentifierOwned {
            oid: ECDSA_WITH_SHA256,
            parameters: None,
        },
        signature: BitString::from_bytes(&sign_der(issuer_key, &tbs_der)).expect("a bit string"),
    };
    cert.to_der().expect("a certificate encodes")
}

/// PEM of a DER certificate.
pub fn cert_pem(der: &[u8]) -> String {
    use x509_cert::der::EncodePem as _;
    Certificate::from_der(der)
        .expect("a certificate")
        .to_pem(x509_cert::der::pem::LineEnding::LF)
        .expect("PEM encodes")
}

fn name(s: &str) -> Name {
    Name::from_str(s).expect("a distinguished name")
}

/// A CA certificate (root when `issuer_key` is its own key).
fn ca_cert(
    serial: u32,
    issuer: &Name,
    subject: &Name,
    key: &SigningKey,
    issuer_key: &SigningKey,
    window: (i64, i64),
) -> Vec<u8> {
    let exts = vec![
        typed_ext(
            x509_cert::der::oid::db::rfc5280::ID_CE_BASIC_CONSTRAINTS,
            true,
            &BasicConstraints {
                ca: true,
                path_len_constraint: None,
            },
        ),
        typed_ext(
            x509_cert::der::oid::db::rfc5280::ID_CE_KEY_USAGE,
            true,
            &KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign),
        ),
    ];
    finish(
        tbs(
            serial,
            issuer,
            subject,
            &spki_der(key),
            window.0,
            window.1,
            exts,
        ),
        issuer_key,
    )
}

/// The subject alternative name of a leaf.
#[derive(Debug, Clone)]
pub enum San {
    Uri(String),
    Email(String),
}

/// What a leaf certificate says.
#[derive(Debug, Clone)]
pub struct LeafSpec {
    pub san: San,
    pub issuer: String,
    /// Further Fulcio claims: (dotted OID, value), written as DER UTF8Strings.
    pub claims: Vec<(String, String)>,
    pub not_before: i64,
    pub not_after: i64,
}

impl LeafSpec {
    /// A GitHub Actions workflow identity of `repo` (`acme/app`) at `git_ref`, valid for ten
    /// minutes from `not_before` (as Fulcio issues them).
    pub fn github(repo: &str, workflow: &str, git_ref: &str, not_before: i64) -> Self {
        let workflow_uri =
            format!("https://github.com/{repo}/.github/workflows/{workflow}@{git_ref}");
        Self {
            san: San::Uri(workflow_uri.clone()),
            issuer: GITHUB_ISSUER.into(),
            claims: vec![
                (
                    OID_SOURCE_REPOSITORY_URI.into(),
                    format!("https://github.com/{repo}"),
                ),
                (OID_SOURCE_REPOSITORY_REF.into(), git_ref.into()),
                (OID_BUILD_CONFIG_URI.into(), workflow_uri),
                (OID_BUILD_TRIGGER.into(), "push".into()),
            ],
            not_before,
            not_after: not_before + 600,
        }
    }

    /// The SAN as text.
    pub fn identity(&self) -> &str {
        match &self.san {
            San::Uri(s) | San::Email(s) => s,
        }
    }
}

/// A minted leaf: its key and certificate.
pub struct Leaf {
    pub key: SigningKey,
    pub der: Vec<u8>,
}

impl Leaf {
    pub fn pem(&self) -> String {
        cert_pem(&self.der)
    }
}

/// A signed `.sig` layer: its payload and annotations, as cosign writes them.
#[derive(Debug, Clone)]
pub struct SigLayer {
    pub payload: Vec<u8>,
    pub annotations: BTreeMap<String, String>,
}

/// The instance: a root CA and intermediate, a CT log, a Rekor log.
pub struct Instance {
    pub label: String,
    pub root_key: SigningKey,
    pub root_der: Vec<u8>,
    pub intermediate_key: SigningKey,
    pub intermediate_der: Vec<u8>,
    pub ct_key: SigningKey,
    pub rekor_key: SigningKey,
    /// The timestamp authority's signing key and certificate, and its own root.
    pub tsa_key: SigningKey,
    pub tsa_der: Vec<u8>,
    pub tsa_root_der: Vec<u8>,
    /// The validity window of the CA in the trusted root.
    pub window: (i64, i64),
    /// The validity window of the Rekor and CT logs in the trusted root.
    pub log_window: (i64, i64),
}

impl Instance {
    /// An instance whose keys derive from `label`, its CAs valid from a day ago for a year.
    pub fn new(label: &str) -> Self {
        let start = now() - 86_400;
        Self::with_window(label, (start, start + 365 * 86_400))
    }

    /// An instance whose CA and logs are trusted only inside `window` (Unix seconds).
    pub fn with_window(label: &str, window: (i64, i64)) -> Self {
        Self::with_windows(label, window, window)
    }

    /// An instance whose CA is trusted inside `window` and its logs inside `log_window`.
    pub fn with_windows(label: &str, window: (i64, i64), log_window: (i64, i64)) -> Self {
        let root_key = key(&format!("{label}/root"));
        let intermediate_key = key(&format!("{label}/intermediate"));
        let root_name = name(&format!("CN={label} root,O=vouch-test"));
        let intermediate_name = name(&format!("CN={label} intermediate,O=vouch-test"));
        let certs = (window.0 - 3600, window.1 + 3600);
        let root_der = ca_cert(1, &root_name, &root_name, &root_key, &root_key, certs);
        let intermediate_der = ca_cert(
            2,
            &root_name,
            &intermediate_name,
            &intermediate_key,
            &root_key,
            certs,
        );
        let tsa_root_key = key(&format!("{label}/tsa root"));
        let tsa_key = key(&format!("{label}/tsa"));
        let tsa_root_name = name(&format!("CN={label} tsa root,O=vouch-test"));
        let tsa_root_der = ca_cert(
            3,
            &tsa_root_name,
            &tsa_root_name,
            &tsa_root_key,
            &tsa_root_key,
            certs,
        );
        let tsa_der = finish(
            tbs(
                4,
                &tsa_root_name,
                &name(&format!("CN={label} tsa,O=vouch-test")),
                &spki_der(&tsa_key),
                certs.0,
                certs.1,
                signing_usage(TIME_STAMPING, true).to_vec(),
            ),
            &tsa_root_key,
        );
        Self {
            label: label.into(),
            tsa_key,
            tsa_der,
            tsa_root_der,
            root_key,
            root_der,
            intermediate_key,
            intermediate_der,
            ct_key: key(&format!("{label}/ct")),
            rekor_key: key(&format!("{label}/rekor")),
            window,
            log_window,
        }
    }

    /// The Rekor log id: SHA-256 of its key's DER SPKI.
    pub fn rekor_log_id(&self) -> [u8; 32] {
        sha2::Sha256::digest(spki_der(&self.rekor_key)).into()
    }

    fn log_json(&self, key: &SigningKey, url: &str) -> serde_json::Value {
        let spki = spki_der(key);
        json!({
            "baseUrl": url,
            "hashAlgorithm": "SHA2_256",
            "publicKey": {
                "rawBytes": b64(&spki),
                "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                "validFor": {
                    "start": rfc3339(self.log_window.0),
                    "end": rfc3339(self.log_window.1),
                },
            },
            "logId": { "keyId": b64(&sha2::Sha256::digest(&spki)) },
        })
    }

    /// The custom trusted root (`TrustedRoot` v0.1 JSON) naming this instance's CA and logs.
    pub fn trusted_root_json(&self) -> String {
        let window = json!({ "start": rfc3339(self.window.0), "end": rfc3339(self.window.1) });
        json!({
            "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
            "tlogs": [self.log_json(&self.rekor_key, &format!("https://rekor.{}.test", self.label))],
            "certificateAuthorities": [{
                "subject": { "organization": "vouch-test", "commonName": self.label },
                "uri": format!("https://fulcio.{}.test", self.label),
                "certChain": { "certificates": [
                    { "rawBytes": b64(&self.intermediate_der) },
                    { "rawBytes": b64(&self.root_der) },
                ] },
                "validFor": window,
            }],
            "ctlogs": [self.log_json(&self.ct_key, &format!("https://ctfe.{}.test", self.label))],
            "timestampAuthorities": [{
                "subject": { "organization": "vouch-test", "commonName": format!("{} tsa", self.label) },
                "uri": format!("https://tsa.{}.test", self.label),
                "certChain": { "certificates": [
                    { "rawBytes": b64(&self.tsa_der) },
                    { "rawBytes": b64(&self.tsa_root_der) },
                ] },
                "validFor": { "start": rfc3339(self.window.0), "end": rfc3339(self.window.1) },
            }],
        })
        .to_string()
    }

    /// The trusted root, parsed.
    pub fn trusted_root(&self) -> super::TrustedRoot {
        super::TrustedRoot::from_json(&self.trusted_root_json()).expect("the minted root parses")
    }

    /// The chain annotation cosign writes: intermediate then root (PEM).
    pub fn chain_pem(&self) -> String {
        format!(
            "{}{}",
            cert_pem(&self.intermediate_der),
            cert_pem(&self.root_der)
        )
    }

    /// Writes the instance's trust material in `dir` as the files cosign 2.5 reads from its
    /// environment — `SIGSTORE_ROOT_FILE` (the CA chain, `fulcio.pem`),
    /// `SIGSTORE_REKOR_PUBLIC_KEY` (`rekor.pub`), `SIGSTORE_CT_LOG_PUBLIC_KEY_FILE`
    /// (`ctfe.pub`) — and returns those variables with their paths. cosign still asks TUF for
    /// the Rekor keys of a `.sig` signature when given only `--trusted-root`.
    pub fn write_cosign_files(
        &self,
        dir: &std::path::Path,
    ) -> std::io::Result<Vec<(&'static str, std::path::PathBuf)>> {
        let files = [
            ("SIGSTORE_ROOT_FILE", "fulcio.pem", self.chain_pem()),
            (
                "SIGSTORE_REKOR_PUBLIC_KEY",
                "rekor.pub",
                public_pem(&self.rekor_key),
            ),
            (
                "SIGSTORE_CT_LOG_PUBLIC_KEY_FILE",
                "ctfe.pub",
                public_pem(&self.ct_key),
            ),
        ];
        files
            .into_iter()
            .map(|(var, name, text)| {
                let path = dir.join(name);
                std::fs::write(&path, text)?;
                Ok((var, path))
            })
            .collect()
    }

    /// A leaf for `spec`, its key derived from `key_label`, issued by the intermediate with an
    /// embedded SCT from the CT log (timestamped at `not_before`).
    pub fn leaf(&self, spec: &LeafSpec, key_label: &str) -> Leaf {
        let leaf_key = key(key_label);
        let intermediate = Certificate::from_der(&self.intermediate_der).expect("ours");
        let issuer = intermediate.tbs_certificate.subject;
        let san = match &spec.san {
            San::Uri(u) => GeneralName::UniformResourceIdentifier(
                Ia5String::new(u.as_str()).expect("an ASCII URI"),
            ),
            San::Email(e) => {
                GeneralName::Rfc822Name(Ia5String::new(e.as_str()).expect("an ASCII email"))
            }
        };
        let [key_usage, ext_key_usage] = signing_usage(CODE_SIGNING, false);
        let mut exts = vec![
            key_usage,
            ext_key_usage,
            typed_ext(
                x509_cert::der::oid::db::rfc5280::ID_CE_SUBJECT_ALT_NAME,
                true,
                &SubjectAltName(vec![san]),
            ),
            ext(OID_ISSUER_V1, false, spec.issuer.as_bytes().to_vec()),
            ext(
                OID_ISSUER_V2,
                false,
                x509_cert::der::asn1::Utf8StringRef::new(&spec.issuer)
                    .expect("UTF-8")
                    .to_der()
                    .expect("encodes"),
            ),
        ];
        for (oid, value) in &spec.claims {
            let der = x509_cert::der::asn1::Utf8StringRef::new(value)
                .expect("UTF-8")
                .to_der()
                .expect("encodes");
            exts.push(ext(oid, false, der));
        }
        let mut precert = tbs(
            0x5157_0001,
            &issuer,
            &Name::default(),
            &spki_der(&leaf_key),
            spec.not_before,
            spec.not_after,
            exts,
        );
        let sct = self.sct(&precert, spec.not_before);
        if let Some(exts) = precert.extensions.as_mut() {
            exts.push(sct);
        }
        Leaf {
            key: leaf_key,
            der: finish(precert, &self.intermediate_key),
        }
    }

    /// The SCT list extension over `precert` (RFC 6962 §3.2, a precertificate entry).
    fn sct(&self, precert: &TbsCertificate, at: i64) -> Extension {
        let issuer_key_hash = sha2::Sha256::digest(spki_der(&self.intermediate_key));
        let tbs = precert.to_der().expect("a TBS certificate encodes");
        let millis = u64::try_from(at).expect("after 1970") * 1000;
        let mut signed = vec![0u8, 0u8];
        signed.extend(millis.to_be_bytes());
        signed.extend(1u16.to_be_bytes());
        signed.extend(issuer_key_hash);
        let len = u32::try_from(tbs.len()).expect("a small TBS").to_be_bytes();
        signed.extend(&len[1..]);
        signed.extend(&tbs);
        signed.extend(0u16.to_be_bytes());
        let signature = sign_der(&self.ct_key, &signed);

        let mut sct = vec![0u8];
        sct.extend(sha2::Sha256::digest(spki_der(&self.ct_key)));
        sct.extend(millis.to_be_bytes());
        sct.extend(0u16.to_be_bytes());
        sct.extend([4u8, 3u8]);
        sct.extend(u16::try_from(signature.len()).expect("short").to_be_bytes());
        sct.extend(signature);
        let mut list = Vec::new();
        let sct_len = u16::try_from(sct.len()).expect("short");
        list.extend((sct_len + 2).to_be_bytes());
        list.extend(sct_len.to_be_bytes());
        list.extend(sct);
        let value = OctetString::new(list)
            .expect("an octet string")
            .to_der()
            .expect("encodes");
        Extension {
            extn_id: SCT_LIST,
            critical: false,
            extn_value: OctetString::new(value).expect("an octet string"),
        }
    }

    /// Rekor's signed entry timestamp over an entry (`body` its canonical JSON), by `log_key`.
    pub fn set(log_key: &SigningKey, body: &[u8], integrated_time: i64, log_index: u64) -> String {
        let log_id = hex::encode(sha2::Sha256::digest(spki_der(log_key)));
        // Canonical JSON: keys in lexical order, no spaces.
        let payload = format!(
            r#"{{"body":"{}","integratedTime":{integrated_time},"logID":"{log_id}","logIndex":{log_index}}}"#,
            b64(body)
        );
        b64(&sign_der(log_key, payload.as_bytes()))
    }

    /// Signs `repository` at `digest` keyless-style with `leaf`, logged by this instance's
    /// Rekor at `integrated_time`: the `.sig` layer cosign 2.x writes.
    pub fn sign_image(
        &self,
        repository: &str,
        digest: &str,
        leaf: &Leaf,
        integrated_time: i64,
    ) -> SigLayer {
        self.sign_image_logged_by(repository, digest, leaf, integrated_time, &self.rekor_key)
    }

    /// [`Instance::sign_image`] with the entry's SET made by `log_key`.
    pub fn sign_image_logged_by(
        &self,
        repository: &str,
        digest: &str,
        leaf: &Leaf,
        integrated_time: i64,
        log_key: &SigningKey,
    ) -> SigLayer {
        let payload = crate::cosign::simple_signing_payload(
            repository,
            digest,
            &BTreeMap::new(),
            time::OffsetDateTime::now_utc(),
        )
        .expect("no reserved annotation");
        let signature = b64(&sign_der(&leaf.key, &payload));
        let body = hashedrekord_body(&payload, &signature, &leaf.pem());
        let log_index = 42;
        let set = Self::set(log_key, &body, integrated_time, log_index);
        let rekor = json!({
            "SignedEntryTimestamp": set,
            "Payload": {
                "body": b64(&body),
                "integratedTime": integrated_time,
                "logIndex": log_index,
                "logID": hex::encode(sha2::Sha256::digest(spki_der(log_key))),
            }
        });
        let mut annotations = BTreeMap::new();
        annotations.insert(crate::cosign::SIGNATURE_ANNOTATION.to_owned(), signature);
        annotations.insert(super::CERTIFICATE_ANNOTATION.to_owned(), leaf.pem());
        annotations.insert(super::CHAIN_ANNOTATION.to_owned(), self.chain_pem());
        annotations.insert(super::REKOR_BUNDLE_ANNOTATION.to_owned(), rekor.to_string());
        SigLayer {
            payload,
            annotations,
        }
    }
}

/// A DER TLV.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(u8::try_from(len).expect("short"));
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | u8::try_from(bytes.len()).expect("a few bytes"));
        out.extend(bytes);
    }
    out.extend(content);
    out
}

fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

fn oid_der(oid: &str) -> Vec<u8> {
    ObjectIdentifier::new(oid)
        .expect("an OID")
        .to_der()
        .expect("encodes")
}

impl Instance {
    /// An RFC 3161 timestamp response (granted; its token a CMS SignedData over a TSTInfo) by
    /// this instance's TSA over `signature` (its SHA-256 as the message imprint), at `at`.
    pub fn timestamp(&self, signature: &[u8], at: i64) -> Vec<u8> {
        let sha256 = seq(&[&oid_der("2.16.840.1.101.3.4.2.1"), &[0x05, 0x00]]);
        let gen_time = time::OffsetDateTime::from_unix_timestamp(at)
            .expect("a time")
            .format(time::macros::format_description!(
                "[year][month][day][hour][minute][second]Z"
            ))
            .expect("formats");
        let tst_info = seq(&[
            &[0x02, 0x01, 0x01],
            &oid_der("1.3.6.1.4.1.57264.2"),
            &seq(&[&sha256, &tlv(0x04, &sha2::Sha256::digest(signature))]),
            &[0x02, 0x01, 0x2a],
            &tlv(0x18, gen_time.as_bytes()),
        ]);
        let tst_oid = oid_der("1.2.840.113549.1.9.16.1.4");
        // Signed attributes in DER set order: content type, then message digest.
        let attrs = [
            seq(&[&oid_der("1.2.840.113549.1.9.3"), &tlv(0x31, &tst_oid)]),
            seq(&[
                &oid_der("1.2.840.113549.1.9.4"),
                &tlv(0x31, &tlv(0x04, &sha2::Sha256::digest(&tst_info))),
            ]),
        ]
        .concat();
        let signature = sign_der(&self.tsa_key, &tlv(0x31, &attrs));
        let tsa = Certificate::from_der(&self.tsa_der).expect("ours");
        let sid = seq(&[
            &tsa.tbs_certificate.issuer.to_der().expect("encodes"),
            &tsa.tbs_certificate.serial_number.to_der().expect("encodes"),
        ]);
        let signer_info = seq(&[
            &[0x02, 0x01, 0x01],
            &sid,
            &sha256,
            &tlv(0xa0, &attrs),
            &seq(&[&oid_der("1.2.840.10045.4.3.2")]),
            &tlv(0x04, &signature),
        ]);
        let signed_data = seq(&[
            &[0x02, 0x01, 0x03],
            &tlv(0x31, &sha256),
            &seq(&[&tst_oid, &tlv(0xa0, &tlv(0x04, &tst_info))]),
            &tlv(0xa0, &self.tsa_der),
            &tlv(0x31, &signer_info),
        ]);
        let token = seq(&[&oid_der("1.2.840.113549.1.7.2"), &tlv(0xa0, &signed_data)]);
        // The TimeStampResp a TSA answers (status granted), which cosign stores whole.
        seq(&[&seq(&[&[0x02, 0x01, 0x00]]), &token])
    }

    /// `layer` with cosign's RFC 3161 annotation: this TSA's timestamp of its signature at `at`.
    pub fn with_timestamp(&self, mut layer: SigLayer, at: i64) -> SigLayer {
        let signature = base64::engine::general_purpose::STANDARD
            .decode(&layer.annotations[crate::cosign::SIGNATURE_ANNOTATION])
            .expect("our base64");
        let token = self.timestamp(&signature, at);
        layer.annotations.insert(
            super::RFC3161_ANNOTATION.to_owned(),
            json!({ "SignedRFC3161Timestamp": b64(&token) }).to_string(),
        );
        layer
    }
}

/// RFC 6962 leaf hash.
fn leaf_hash(body: &[u8]) -> [u8; 32] {
    let mut h = sha2::Sha256::new();
    h.update([0u8]);
    h.update(body);
    h.finalize().into()
}

/// RFC 6962 interior node hash.
fn node_hash(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut h = sha2::Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

impl Instance {
    /// The origin line of this instance's log checkpoints.
    fn origin(&self) -> String {
        format!("rekor.{}.test", self.label)
    }

    /// A checkpoint (signed note) of a tree of `size` with `root`, signed by the Rekor key.
    pub fn checkpoint(&self, size: u64, root: &[u8; 32]) -> String {
        let body = format!("{}\n{size}\n{}\n", self.origin(), b64(root));
        let mut sig = self.rekor_log_id()[..4].to_vec();
        sig.extend(sign_der(&self.rekor_key, body.as_bytes()));
        format!("{body}\n\u{2014} {} {}\n", self.origin(), b64(&sig))
    }

    /// Signs `repository` at `digest` keyless-style with `leaf` as cosign 3 does: a v0.3
    /// Sigstore bundle of a DSSE envelope of the image signature statement
    /// (`https://sigstore.dev/cosign/sign/v1`), logged as in [`Instance::sign_statement_bundle`].
    pub fn sign_image_bundle(
        &self,
        repository: &str,
        digest: &str,
        leaf: &Leaf,
        integrated_time: i64,
        neighbour: &[u8],
    ) -> String {
        let statement = statement(
            repository,
            digest,
            crate::cosign::COSIGN_SIGN_PREDICATE,
            json!({}),
        );
        self.sign_statement_bundle(&statement, leaf, integrated_time, neighbour)
    }

    /// A v0.3 Sigstore bundle of a DSSE envelope of the in-toto `statement` signed keyless-style
    /// with `leaf` (an image signature, or an attestation as cosign 2.5
    /// `attest --new-bundle-format` and GitHub artifact attestations write them), logged as a
    /// Rekor v1 `dsse` entry ([`DsseLog::RekorV1Dsse`]).
    pub fn sign_statement_bundle(
        &self,
        statement: &str,
        leaf: &Leaf,
        integrated_time: i64,
        neighbour: &[u8],
    ) -> String {
        let signed = Signed::new(leaf, statement);
        self.dsse_bundle(
            DsseLog::RekorV1Dsse,
            &signed,
            &signed,
            integrated_time,
            neighbour,
        )
    }

    /// A v0.3 Sigstore bundle carrying `envelope` (its statement, signature and certificate)
    /// whose log entry, made as `log` says, records `logged` — the same, or not, for attacks —
    /// at index 1 of a two-entry tree (the other entry, at 0, is `neighbour`) with its
    /// inclusion proof and signed checkpoint. Rekor v1 entries carry `at` as their integrated
    /// time with its SET; a Rekor v2 entry has neither, and the bundle carries this TSA's
    /// timestamp of the envelope's signature at `at` instead. (Not index 0: sigstore-go, in
    /// cosign, reads a zero log index as missing and refuses the entry.)
    pub fn dsse_bundle(
        &self,
        log: DsseLog,
        envelope: &Signed,
        logged: &Signed,
        at: i64,
        neighbour: &[u8],
    ) -> String {
        let body = log.body(logged);
        let (ours, theirs) = (leaf_hash(body.as_bytes()), leaf_hash(neighbour));
        let root = node_hash(&theirs, &ours);
        let (kind, version) = log.kind_version();
        let mut entry = json!({
            "logIndex": "1",
            "logId": { "keyId": b64(&self.rekor_log_id()) },
            "kindVersion": { "kind": kind, "version": version },
            "inclusionProof": {
                "logIndex": "1",
                "rootHash": b64(&root),
                "treeSize": "2",
                "hashes": [b64(&theirs)],
                "checkpoint": { "envelope": self.checkpoint(2, &root) },
            },
            "canonicalizedBody": b64(body.as_bytes()),
        });
        let mut material = match &envelope.verifier {
            Verifier::Certificate(der) => json!({ "certificate": { "rawBytes": b64(der) } }),
            Verifier::Key(spki) => {
                json!({ "publicKey": { "hint": b64(&sha2::Sha256::digest(spki)) } })
            }
        };
        if log == DsseLog::RekorV2Dsse {
            material["timestampVerificationData"] = json!({ "rfc3161Timestamps": [
                { "signedTimestamp": b64(&self.timestamp(&envelope.sig, at)) },
            ] });
        } else {
            entry["integratedTime"] = at.to_string().into();
            entry["inclusionPromise"] = json!({ "signedEntryTimestamp":
                Self::set(&self.rekor_key, body.as_bytes(), at, 1) });
        }
        material["tlogEntries"] = json!([entry]);
        json!({
            "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
            "verificationMaterial": material,
            "dsseEnvelope": envelope.envelope(),
        })
        .to_string()
    }
}

/// How a minted DSSE bundle's envelope is logged ([`Instance::dsse_bundle`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DsseLog {
    /// Rekor v1 `dsse` 0.0.1 (cosign, GitHub artifact attestations).
    RekorV1Dsse,
    /// Rekor v1 `hashedrekord` 0.0.1 whose digest is SHA-256 of the envelope's PAE.
    RekorV1HashedRekord,
    /// Rekor v2 `dsse` 0.0.2.
    RekorV2Dsse,
}

impl DsseLog {
    fn kind_version(self) -> (&'static str, &'static str) {
        match self {
            Self::RekorV1Dsse => ("dsse", "0.0.1"),
            Self::RekorV1HashedRekord => ("hashedrekord", "0.0.1"),
            Self::RekorV2Dsse => ("dsse", "0.0.2"),
        }
    }

    /// The canonical body of an entry recording `logged`.
    fn body(self, logged: &Signed) -> String {
        let verifier_pem = logged.verifier.pem();
        match self {
            Self::RekorV1Dsse => json!({
                "apiVersion": "0.0.1",
                "kind": "dsse",
                "spec": {
                    "envelopeHash": { "algorithm": "sha256",
                        "value": hex::encode(sha2::Sha256::digest(logged.envelope().to_string())) },
                    "payloadHash": { "algorithm": "sha256",
                        "value": hex::encode(sha2::Sha256::digest(logged.statement.as_bytes())) },
                    "signatures": [{ "signature": b64(&logged.sig),
                        "verifier": b64(verifier_pem.as_bytes()) }],
                },
            })
            .to_string(),
            Self::RekorV1HashedRekord => String::from_utf8(hashedrekord_body(
                &logged.pae(),
                &b64(&logged.sig),
                &verifier_pem,
            ))
            .expect("JSON is UTF-8"),
            Self::RekorV2Dsse => json!({
                "apiVersion": "0.0.2",
                "kind": "dsse",
                "spec": { "dsseV002": {
                    "payloadHash": { "algorithm": "SHA2_256",
                        "digest": b64(&sha2::Sha256::digest(logged.statement.as_bytes())) },
                    "signatures": [{ "content": b64(&logged.sig), "verifier": logged.verifier.v2() }],
                } },
            })
            .to_string(),
        }
    }
}

/// An in-toto statement in a DSSE envelope: its signature and what it is said to be made with.
#[derive(Debug, Clone)]
pub struct Signed {
    pub statement: String,
    pub sig: Vec<u8>,
    pub verifier: Verifier,
}

/// What verifies a [`Signed`]: a leaf certificate (DER), or a managed key (DER SPKI).
#[derive(Debug, Clone)]
pub enum Verifier {
    Certificate(Vec<u8>),
    Key(Vec<u8>),
}

impl Verifier {
    fn pem(&self) -> String {
        match self {
            Self::Certificate(der) => cert_pem(der),
            Self::Key(spki) => {
                use p256::pkcs8::DecodePublicKey as _;
                p256::PublicKey::from_public_key_der(spki)
                    .expect("ours")
                    .to_public_key_pem(p256::pkcs8::LineEnding::LF)
                    .expect("a P-256 public key encodes")
            }
        }
    }

    /// A Rekor v2 `Verifier`.
    fn v2(&self) -> serde_json::Value {
        let (field, der) = match self {
            Self::Certificate(der) => ("x509Certificate", der),
            Self::Key(spki) => ("publicKey", spki),
        };
        json!({ "keyDetails": "PKIX_ECDSA_P256_SHA_256", field: { "rawBytes": b64(der) } })
    }
}

impl Signed {
    /// `statement` signed by `leaf` over its PAE (deterministic ECDSA, RFC 6979).
    pub fn new(leaf: &Leaf, statement: &str) -> Self {
        let sig = sign_der(&leaf.key, &pae(statement));
        Self::made_with(leaf, statement, sig)
    }

    /// `statement` signed by `leaf` anew: randomized ECDSA, so another signature than
    /// [`Signed::new`]'s, as valid.
    pub fn anew(leaf: &Leaf, statement: &str) -> Self {
        use p256::ecdsa::signature::RandomizedSigner as _;
        let sig: Signature = leaf
            .key
            .sign_with_rng(&mut rand_core::OsRng, &pae(statement));
        Self::made_with(leaf, statement, sig.to_der().as_bytes().to_vec())
    }

    fn made_with(leaf: &Leaf, statement: &str, sig: Vec<u8>) -> Self {
        Self {
            statement: statement.into(),
            sig,
            verifier: Verifier::Certificate(leaf.der.clone()),
        }
    }

    /// `statement` signed by a managed `key` over its PAE.
    pub fn keyed(key: &SigningKey, statement: &str) -> Self {
        Self {
            statement: statement.into(),
            sig: sign_der(key, &pae(statement)),
            verifier: Verifier::Key(spki_der(key)),
        }
    }

    fn pae(&self) -> Vec<u8> {
        pae(&self.statement)
    }

    /// The DSSE envelope JSON.
    pub fn envelope(&self) -> serde_json::Value {
        json!({
            "payload": b64(self.statement.as_bytes()),
            "payloadType": crate::dsse::IN_TOTO_PAYLOAD_TYPE,
            "signatures": [{ "sig": b64(&self.sig), "keyid": "" }],
        })
    }
}

/// The PAE of an in-toto `statement`.
fn pae(statement: &str) -> Vec<u8> {
    crate::dsse::pae(crate::dsse::IN_TOTO_PAYLOAD_TYPE, statement.as_bytes())
}

/// An in-toto v1 statement about `repository` at `digest` (`sha256:…`) with `predicate`.
pub fn statement(
    repository: &str,
    digest: &str,
    predicate_type: &str,
    predicate: serde_json::Value,
) -> String {
    let hex_digest = digest.strip_prefix("sha256:").unwrap_or(digest);
    json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{ "name": repository, "digest": { "sha256": hex_digest } }],
        "predicateType": predicate_type,
        "predicate": predicate,
    })
    .to_string()
}

/// The canonical hashedrekord v0.0.1 body of a signature over `payload` by a certificate.
pub fn hashedrekord_body(payload: &[u8], signature_b64: &str, cert_pem: &str) -> Vec<u8> {
    let digest = hex::encode(sha2::Sha256::digest(payload));
    format!(
        r#"{{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{{"data":{{"hash":{{"algorithm":"sha256","value":"{digest}"}}}},"signature":{{"content":"{signature_b64}","publicKey":{{"content":"{}"}}}}}}}}"#,
        b64(cert_pem.as_bytes())
    )
    .into_bytes()
}

/// A `certificateAuthorities` entry for a trusted root: a CA of its own (keys derived from
/// `label`) whose intermediate has exactly `subject` as its Subject DN (the same DER) but an
/// unrelated key — a decoy for a client that would find a certificate's issuer by name.
pub fn decoy_authority(label: &str, subject: &Name) -> serde_json::Value {
    let (decoy_root_key, decoy_key) = (key(&format!("{label}/root")), key(&format!("{label}/ca")));
    let decoy_root_name = name(&format!("CN={label} root,O=vouch-test"));
    // From 2020-09-13 to a year from now: around any bundle a test verifies.
    let span = (1_600_000_000, now() + 365 * 86_400);
    let decoy_root = ca_cert(
        7,
        &decoy_root_name,
        &decoy_root_name,
        &decoy_root_key,
        &decoy_root_key,
        span,
    );
    let decoy = ca_cert(
        8,
        &decoy_root_name,
        subject,
        &decoy_key,
        &decoy_root_key,
        span,
    );
    let chain: Vec<_> = [decoy, decoy_root]
        .iter()
        .map(|der| json!({ "rawBytes": b64(der) }))
        .collect();
    json!({
        "subject": { "organization": "vouch-test", "commonName": label },
        "uri": format!("https://decoy.{label}.test"),
        "certChain": { "certificates": chain },
        "validFor": { "start": rfc3339(span.0) },
    })
}
