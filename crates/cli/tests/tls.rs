//! TLS the way containers tools do it, against real registries over HTTPS: the harness
//! (`tests/harness/services/tls.sh`) mints a CA and starts CNCF distribution with `http.tls` on
//! 127.0.0.1 — one plain HTTPS, one requiring a client certificate, one with an expired
//! certificate — all sharing the anonymous registry's storage, so an image pushed there can be
//! read over HTTPS. Each test points `vouch` at its own `certs.d` root (`VOUCH_CERTS_D_DIRS`);
//! nothing is written to /etc.
//!
//! `Tap` is not a fake registry: it forwards bytes to the real one and notes how each
//! connection began (a TLS record or plain text), so a test can show that no plain-HTTP request
//! was ever attempted.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::{Arc, Mutex};

use common::*;
use serde_json::Value;

/// A harness variable, with a sentence when it is missing.
fn var(what: &str, name: &str) -> String {
    real_env(what);
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{what}: {name} is not set: tests/harness/services/tls.sh exports it")
    })
}

/// A new `certs.d` root (inside the user's folder, removed with it) holding one folder per `(host, [(file name, source file)])`.
fn certs_d(env: &Env, folders: &[(&str, &[(&str, &str)])]) -> PathBuf {
    let root = tempfile::Builder::new()
        .prefix("certs.d-")
        .tempdir_in(env.dir.path())
        .expect("certs.d")
        .keep();
    for (host, files) in folders {
        let dir = root.join(host);
        std::fs::create_dir_all(&dir).expect("host folder");
        for (name, from) in *files {
            std::fs::copy(from, dir.join(name)).expect("copy certificate");
        }
    }
    root
}

/// `vouch ARGS` with `certs_d` as the only `certs.d` root.
fn vouch(env: &Env, certs_d: &Path, args: &[&str]) -> Output {
    env.cmd()
        .args(args)
        .env("VOUCH_CERTS_D_DIRS", certs_d)
        .output()
        .expect("run vouch")
}

/// `vouch verify --json IMAGE`: the verdict and the exit code.
fn verify(env: &Env, certs_d: &Path, image: &str) -> (Value, Option<i32>) {
    let out = vouch(env, certs_d, &["verify", "--json", image]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let v: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("no JSON verdict ({e}): {stdout} / {stderr}"));
    (v, out.status.code())
}

/// The verdict is `error` and its reason says `needles`.
fn assert_refused(v: &Value, code: Option<i32>, needles: &[&str]) {
    assert_eq!(v["status"], "error", "{v:#}");
    assert_ne!(code, Some(0), "{v:#}");
    let reason = v["reason"].as_str().unwrap_or_default();
    for n in needles {
        assert!(reason.contains(n), "{n:?} missing from: {reason}");
    }
}

/// Pushes an unsigned image `repo:v1` through the anonymous registry (same storage as the TLS
/// ones); returns its digest.
fn seed(repo: &str) -> String {
    let plain = real_registry("tls: seed");
    push_image(&plain, repo, "v1", repo)
}

/// Lines of a harness registry's log (`VOUCH_TEST_REGISTRY_TLS_LOG`, …) that mention `needle`.
fn log_lines(var_name: &str, needle: &str) -> Vec<String> {
    let path = var("tls log", var_name);
    let log = std::fs::read_to_string(path).expect("registry log");
    log.lines()
        .filter(|l| l.contains(needle))
        .map(str::to_string)
        .collect()
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn a_tls_registry_whose_ca_is_in_certs_d_signs_and_verifies() {
    let tls = var("tls sign/verify", "VOUCH_TEST_REGISTRY_TLS");
    let ca = var("tls sign/verify", "VOUCH_TEST_TLS_CA");
    let env = Env::with_own_key("tls-certs-d");
    let digest = seed("tls/certs-d");
    let root = certs_d(&env, &[(&tls, &[("ca.crt", &ca)])]);
    let image = format!("{tls}/tls/certs-d:v1");

    let out = vouch(&env, &root, &["sign", &image, "--key", "acme"]);
    assert_ok(&out, "vouch sign over HTTPS");
    let (v, code) = verify(&env, &root, &image);
    assert_eq!(v["status"], "verified", "{v:#}");
    assert_eq!(code, Some(0));
    assert_eq!(v["digest"], digest.as_str());
    // The signature went to the TLS registry itself, over TLS (its access log has the PUT).
    let sig = sig_tag(&digest);
    let puts = log_lines(
        "VOUCH_TEST_REGISTRY_TLS_LOG",
        &format!("\"PUT /v2/tls/certs-d/manifests/{sig} "),
    );
    assert_eq!(puts.len(), 1, "{puts:?}");
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn a_ca_file_in_the_settings_means_https_even_for_a_registry_marked_insecure() {
    let tls = var("tls settings CA", "VOUCH_TEST_REGISTRY_TLS");
    let ca = var("tls settings CA", "VOUCH_TEST_TLS_CA");
    let env = Env::with_own_key("tls-settings-ca");
    seed("tls/settings-ca");
    let image = format!("{tls}/tls/settings-ca:v1");
    let empty = certs_d(&env, &[]);
    let config = env.path("config");
    std::fs::create_dir_all(&config).expect("config dir");
    let entry = serde_json::json!({"host": tls, "insecure": true, "ca_file": ca});
    let settings = serde_json::json!({"registries": [entry]});
    std::fs::write(config.join("config.json"), settings.to_string()).expect("settings");

    // Read and pushed over HTTPS with the settings' CA: signed, then verified.
    assert_ok(
        &vouch(&env, &empty, &["sign", &image, "--key", "acme"]),
        "vouch sign with the settings' CA",
    );
    let (v, code) = verify(&env, &empty, &image);
    assert_eq!(v["status"], "verified", "{v:#}");
    assert_eq!(code, Some(0));
}

/// A host's own CA is added to the platform's roots, not put in their place: with the
/// harness CA made a platform root (`SSL_CERT_FILE`, which the platform verifier reads on
/// Linux) and an unrelated CA in the host's folder, the registry is still reached; with the
/// unrelated CA alone it is refused.
#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn a_hosts_own_ca_is_added_to_the_platform_roots_not_put_in_their_place() {
    let tls = var("tls added roots", "VOUCH_TEST_REGISTRY_TLS");
    let ca = var("tls added roots", "VOUCH_TEST_TLS_CA");
    let env = Env::new("tls-added-roots");
    seed("tls/added-roots");
    let other = env.path("other-ca.crt");
    let other_key = env.path("other-ca.key");
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=unrelated CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-keyout",
        other_key.to_str().expect("utf8"),
        "-out",
        other.to_str().expect("utf8"),
    ]);
    let root = certs_d(
        &env,
        &[(&tls, &[("other.crt", other.to_str().expect("utf8"))])],
    );
    let image = format!("{tls}/tls/added-roots:v1");
    let verdict = |platform_ca: Option<&str>| {
        let mut cmd = env.cmd();
        cmd.args(["verify", "--json", &image])
            .env("VOUCH_CERTS_D_DIRS", &root)
            .env_remove("SSL_CERT_DIR");
        match platform_ca {
            Some(file) => cmd.env("SSL_CERT_FILE", file),
            None => cmd.env_remove("SSL_CERT_FILE"),
        };
        let out = cmd.output().expect("run vouch");
        let v = serde_json::from_slice::<Value>(&out.stdout).expect("a JSON verdict");
        (v, out.status.code())
    };
    let (v, _) = verdict(Some(&ca));
    assert_eq!(v["status"], "unsigned", "{v:#}");
    let (v, code) = verdict(None);
    assert_refused(&v, code, &["unknown CA"]);
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn an_unknown_ca_is_refused_naming_the_host_and_never_retried_over_http() {
    let tls = var("tls unknown CA", "VOUCH_TEST_REGISTRY_TLS");
    let env = Env::with_own_key("tls-unknown-ca");
    seed("tls/unknown-ca");
    let tap = Tap::to(&tls);
    let empty = certs_d(&env, &[]);
    let image = format!("{}/tls/unknown-ca:v1", tap.addr);
    // Signing is refused the same way, with the CLI's hint.
    let out = vouch(&env, &empty, &["sign", &image, "--key", "acme"]);
    assert_fails_with(&out, "unknown certificate authority (unknown CA)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("registry {}", tap.addr)),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: if you trust this registry's CA"),
        "{stderr}"
    );
    let (v, code) = verify(&env, &empty, &image);
    assert_refused(
        &v,
        code,
        &[
            &format!("the registry {}", tap.addr),
            "unknown certificate authority (unknown CA)",
        ],
    );
    let seen = tap.seen();
    assert!(!seen.is_empty(), "nothing reached the registry");
    assert!(
        seen.iter().all(|first| *first == 0x16),
        "a connection did not start with a TLS handshake (first bytes {seen:?}): a plain-HTTP attempt"
    );
    assert!(log_lines("VOUCH_TEST_REGISTRY_TLS_LOG", "/v2/tls/unknown-ca/").is_empty());
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn a_certificate_for_another_name_is_refused() {
    let tls = var("tls wrong name", "VOUCH_TEST_REGISTRY_TLS");
    let ca = var("tls wrong name", "VOUCH_TEST_TLS_CA");
    let env = Env::new("tls-wrong-name");
    seed("tls/wrong-name");
    // The certificate names IP 127.0.0.1 only; reach the same server as `localhost`.
    let port = tls.rsplit_once(':').map(|(_, p)| p).expect("port");
    let host = format!("localhost:{port}");
    let root = certs_d(&env, &[(&host, &[("ca.crt", &ca)])]);
    let (v, code) = verify(&env, &root, &format!("{host}/tls/wrong-name:v1"));
    assert_refused(
        &v,
        code,
        &[
            &format!("the registry {host}"),
            "its certificate is for 127.0.0.1, not localhost (wrong host name)",
        ],
    );
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn an_expired_certificate_is_refused() {
    let expired = var("tls expired", "VOUCH_TEST_REGISTRY_TLS_EXPIRED");
    let ca = var("tls expired", "VOUCH_TEST_TLS_CA");
    let env = Env::new("tls-expired");
    seed("tls/expired");
    let root = certs_d(&env, &[(&expired, &[("ca.crt", &ca)])]);
    let (v, code) = verify(&env, &root, &format!("{expired}/tls/expired:v1"));
    assert_refused(
        &v,
        code,
        &[
            &format!("the registry {expired}"),
            "its certificate has expired (valid until ",
        ],
    );
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn a_client_certificate_in_certs_d_is_presented_and_its_absence_is_a_sentence() {
    let what = "tls client certificate";
    let mtls = var(what, "VOUCH_TEST_REGISTRY_MTLS");
    let (ca, cert, key) = (
        var(what, "VOUCH_TEST_TLS_CA"),
        var(what, "VOUCH_TEST_TLS_CLIENT_CERT"),
        var(what, "VOUCH_TEST_TLS_CLIENT_KEY"),
    );
    let env = Env::with_own_key("tls-client-cert");
    let digest = seed("tls/client-cert");
    let image = format!("{mtls}/tls/client-cert:v1");

    // A peer signs over the same mutual TLS (cosign with its own flags, verifying the server).
    let cosign = cosign();
    let (cosign_key, cosign_pub) = cosign_keypair(&cosign, env.dir.path());
    let signed = format!("{mtls}/tls/client-cert@{digest}");
    // cosign `VERB… --key KEY_FILE` on the image over mutual TLS, checking the server's CA.
    let cosign_mtls = |verb: &[&str], key_file: &Path, what: &str| {
        let tls = [
            "--registry-cacert",
            ca.as_str(),
            "--registry-client-cert",
            cert.as_str(),
            "--registry-client-key",
            key.as_str(),
        ];
        let key_flag = ["--key", key_file.to_str().expect("utf8")];
        let args = [verb, &key_flag[..], &tls[..], &[signed.as_str()]].concat();
        assert_ok(&cosign_in(&cosign, env.dir.path(), &args), what);
    };
    let sign = ["sign", "--yes", "--tlog-upload=false"];
    cosign_mtls(&sign, &cosign_key, "cosign sign (mTLS)");
    env.add_key(&cosign_pub, "cosigner", &[]);

    // containers' names: client.cert + client.key beside the CA.
    let containers = certs_d(
        &env,
        &[(
            &mtls,
            &[
                ("ca.crt", &ca),
                ("client.cert", &cert),
                ("client.key", &key),
            ],
        )],
    );
    let (v, code) = verify(&env, &containers, &image);
    assert_eq!(v["status"], "verified", "{v:#}");
    assert_eq!(code, Some(0));
    // Vouch signs over the same mutual TLS, and the image then has both signatures.
    let out = vouch(&env, &containers, &["sign", &image, "--key", "acme"]);
    assert_ok(&out, "vouch sign (mTLS)");
    let (v, _) = verify(&env, &containers, &image);
    assert_eq!(v["status"], "verified", "{v:#}");
    let publishers: Vec<&str> = v["signatures"]
        .as_array()
        .map(|s| s.iter().filter_map(|s| s["publisher"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        publishers.contains(&"acme") && publishers.contains(&"cosigner"),
        "{v:#}"
    );
    // And cosign, over the same mutual TLS, accepts Vouch's signature.
    let acme_pub = env.write("acme.pub", env.ok(&["key", "export", "acme"]).as_bytes());
    let verify_flags = ["verify", "--insecure-ignore-tlog=true"];
    cosign_mtls(&verify_flags, &acme_pub, "cosign verify (mTLS)");

    // docker's names (`<name>.cert` + `<name>.key`) in a root of its own.
    let docker = certs_d(
        &env,
        &[(
            &mtls,
            &[("ca.crt", &ca), ("vouch.cert", &cert), ("vouch.key", &key)],
        )],
    );
    let (v, _) = verify(&env, &docker, &image);
    assert_eq!(v["status"], "verified", "{v:#}");

    // The CA alone: the registry asks for a client certificate and gets none.
    let ca_only = certs_d(&env, &[(&mtls, &[("ca.crt", &ca)])]);
    let (v, code) = verify(&env, &ca_only, &image);
    assert_refused(
        &v,
        code,
        &[
            &format!("the registry {mtls}"),
            "requires a client certificate, and none is configured",
        ],
    );
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn a_plain_loopback_registry_is_probed_once_per_process_and_still_works() {
    let plain = real_registry("tls probe");
    let env = Env::with_own_key("tls-probe");
    let mut images = Vec::new();
    for n in 1..=3 {
        let (_, image) = env.push_signed(&plain, &format!("tls/probe-{n}"), "acme");
        images.push(image);
    }
    let tap = Tap::to(&plain);
    let through: Vec<String> = images
        .iter()
        .map(|i| i.replacen(&plain, &tap.addr, 1))
        .collect();
    // Signed for `plain`, read through the tap's address: the identity differs, so the verdict
    // is not `verified` — what matters here is that every image was read over plain HTTP.
    let empty = certs_d(&env, &[]);
    let mut args = vec!["verify", "--json"];
    args.extend(through.iter().map(String::as_str));
    let out = vouch(&env, &empty, &args);
    let verdicts: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    let verdicts = verdicts
        .as_array()
        .cloned()
        .unwrap_or_else(|| vec![verdicts]);
    assert_eq!(verdicts.len(), 3, "{verdicts:#?}");
    for v in &verdicts {
        assert_ne!(v["status"], "error", "an image could not be read: {v:#}");
    }
    let seen = tap.seen();
    let probes = seen.iter().filter(|b| **b == 0x16).count();
    assert_eq!(
        probes, 1,
        "one TLS probe for the host, then plain HTTP: {seen:?}"
    );
    assert!(seen.iter().filter(|b| **b == b'G').count() >= 1, "{seen:?}");

    // And straight to the registry, with its own address: verified as before.
    let (v, code) = verify(&env, &empty, &images[0]);
    assert_eq!(v["status"], "verified", "{v:#}");
    assert_eq!(code, Some(0));
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn skopeo_agrees_about_the_ca() {
    let tls = var("tls skopeo", "VOUCH_TEST_REGISTRY_TLS");
    let ca = var("tls skopeo", "VOUCH_TEST_TLS_CA");
    let env = Env::new("tls-skopeo");
    seed("tls/skopeo");
    let with_ca = certs_d(&env, &[(&tls, &[("ca.crt", &ca)])]);
    let image = format!("docker://{tls}/tls/skopeo:v1");
    let inspect = |cert_dir: &Path| {
        std::process::Command::new(skopeo())
            .args(["inspect", "--raw", "--cert-dir"])
            .arg(cert_dir.join(&tls))
            .arg(&image)
            .output()
            .expect("skopeo")
    };
    assert_ok(&inspect(&with_ca), "skopeo inspect with the CA");
    let out = inspect(&env.path("nowhere"));
    assert!(!out.status.success(), "skopeo accepted an unknown CA");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown authority"), "{stderr}");
    // Vouch says the same of the same server.
    let (v, code) = verify(&env, &certs_d(&env, &[]), &format!("{tls}/tls/skopeo:v1"));
    assert_refused(&v, code, &["unknown CA"]);
}

/// Forwards connections to `upstream` and records the first byte each one sent (0x16: a TLS
/// handshake; an ASCII letter: plain HTTP).
struct Tap {
    addr: String,
    seen: Arc<Mutex<Vec<u8>>>,
}

impl Tap {
    fn to(upstream: &str) -> Tap {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the tap");
        let addr = listener.local_addr().expect("tap address").to_string();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (log, upstream) = (seen.clone(), upstream.to_string());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let (log, upstream) = (log.clone(), upstream.clone());
                std::thread::spawn(move || forward(client, &upstream, &log));
            }
        });
        Tap { addr, seen }
    }

    fn seen(&self) -> Vec<u8> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

fn forward(mut client: TcpStream, upstream: &str, log: &Mutex<Vec<u8>>) {
    let mut first = [0u8; 1];
    if client.read_exact(&mut first).is_err() {
        return;
    }
    if let Ok(mut l) = log.lock() {
        l.push(first[0]);
    }
    let Ok(mut server) = TcpStream::connect(upstream) else {
        return;
    };
    if server.write_all(&first).is_err() {
        return;
    }
    let (Ok(mut c2), Ok(mut s2)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut s2, &mut c2);
        let _ = c2.shutdown(std::net::Shutdown::Write);
    });
    let _ = std::io::copy(&mut client, &mut server);
    let _ = server.shutdown(std::net::Shutdown::Write);
}

/// The cost of the HTTPS-first probe on a plain-HTTP loopback registry, per process: `vouch
/// verify` of one signed image, alternately with the host listed as insecure (no probe) and
/// without (one probe). Prints both; fails only when the probe costs like a timeout (≥ 100 ms
/// on the fastest runs), which is the defect to catch.
#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn the_https_first_probe_costs_little() {
    let plain = real_registry("tls probe cost");
    let env = Env::with_own_key("tls-probe-cost");
    let (_, image) = env.push_signed(&plain, "tls/probe-cost", "acme");
    let empty = certs_d(&env, &[]);
    let run = |extra: &[&str]| {
        let start = std::time::Instant::now();
        let out = vouch(&env, &empty, &[&["verify", &image], extra].concat());
        assert_ok(&out, "vouch verify");
        start.elapsed()
    };
    let (mut probed, mut listed) = (Vec::new(), Vec::new());
    for _ in 0..15 {
        probed.push(run(&[]));
        listed.push(run(&["--insecure-registry", &plain]));
    }
    probed.sort();
    listed.sort();
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    eprintln!(
        "vouch verify, one image, plain HTTP on loopback: with the probe min {:.1} ms / median {:.1} ms; \
         listed insecure (no probe) min {:.1} ms / median {:.1} ms",
        ms(probed[0]),
        ms(probed[7]),
        ms(listed[0]),
        ms(listed[7])
    );
    assert!(
        ms(probed[0]) - ms(listed[0]) < 100.0,
        "the probe costs {:.1} ms",
        ms(probed[0]) - ms(listed[0])
    );
}
