//! Listing what a registry holds: `GET /v2/_catalog` and `GET /v2/<name>/tags/list`, both
//! paginated by the `Link` header (`<…?n=…&last=…>; rel="next"`), and a plain bounded GET for
//! public JSON APIs that are not registries (Docker Hub's search).
//!
//! Invariants: every body is bounded ([`MAX_LIST_BYTES`] a page, at most [`MAX_LIST_PAGES`]
//! pages); the next page is built from the `last` value of the `Link` header on the same host —
//! a `Link` to another host or path is never followed; a malformed header or body is a
//! [`RegistryError::Protocol`] sentence.

use super::auth::Resource;
use super::error::RegistryError;
use super::http::MAX_ERROR_BODY;
use super::Registry;
use crate::reference::ImageRef;

/// Largest page of a catalog or tag list read.
pub const MAX_LIST_BYTES: u64 = 4 * 1024 * 1024;
/// Most pages read of one list (a registry that keeps answering `next` is cut here).
pub const MAX_LIST_PAGES: usize = 100;

/// The `last` value of a `Link: <…>; rel="next"` header: `Ok(None)` when there is no next
/// page, an error sentence when the header is not a link the distribution spec describes.
pub fn next_last(link: &str, expected_path: &str) -> Result<Option<String>, String> {
    let Some(query) = next_query(link, expected_path)? else {
        return Ok(None);
    };
    let last = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == "last")
        .map(|(_, v)| percent_decode(v));
    match last {
        Some(Some(v)) if !v.is_empty() => Ok(Some(v)),
        _ => Err("its Link header names no `last` to continue from".into()),
    }
}

/// The query of the `rel="next"` target of a `Link` header (`Ok(None)`: no next page), when the
/// target is `expected_path` on the same host (a relative link, or an absolute one whose path is
/// it); an error sentence otherwise. The query is returned as sent (opaque to the caller, as
/// the OCI referrers API allows). Public for the fuzz target `link_header` only.
#[doc(hidden)]
pub fn next_query(link: &str, expected_path: &str) -> Result<Option<String>, String> {
    for part in link.split(',') {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let Some(rest) = part.strip_prefix('<') else {
            return Err("its Link header does not start with `<`".into());
        };
        let Some((target, params)) = rest.split_once('>') else {
            return Err("its Link header has no closing `>`".into());
        };
        let is_next = params.split(';').any(|p| {
            let p = p.trim().replace(' ', "");
            p.eq_ignore_ascii_case("rel=\"next\"") || p.eq_ignore_ascii_case("rel=next")
        });
        if !is_next {
            continue;
        }
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        // Absolute links are accepted only when they point at the same path.
        let path = match path.find("/v2/") {
            Some(i) => &path[i..],
            None => path,
        };
        if path != expected_path {
            return Err(format!(
                "its Link header points at {}, not {expected_path}",
                super::error::sanitize(path)
            ));
        }
        return Ok(Some(query.to_string()));
    }
    Ok(None)
}

/// `%XX` decoding of a query value (`+` kept: registries percent-encode what they send).
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

impl Registry {
    /// One page of a list endpoint; the names and the `last` to continue from.
    async fn list_page(
        &self,
        r: Resource<'_>,
        path: &str,
        n: usize,
        last: Option<&str>,
        field: &str,
        what: &str,
    ) -> Result<(Vec<String>, Option<String>), RegistryError> {
        let host = r.host().to_string();
        let mut url = format!("{}://{host}{path}?n={n}", self.scheme(&host).await?);
        if let Some(l) = last {
            url.push_str("&last=");
            url.push_str(&percent_encode(l));
        }
        let protocol = |detail: String| RegistryError::Protocol {
            host: host.clone(),
            what: what.to_string(),
            detail,
        };
        let Some(resp) = self.get_for(r, &url, None, false, what).await? else {
            return Err(RegistryError::NotFound {
                host: host.clone(),
                what: what.into(),
            });
        };
        let link = match resp.headers().get(reqwest::header::LINK) {
            None => None,
            Some(v) => Some(
                v.to_str()
                    .map_err(|_| protocol("its Link header is not text".into()))?
                    .to_string(),
            ),
        };
        let body = self.read_capped(&host, resp, MAX_LIST_BYTES, what).await?;
        let json: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|e| protocol(format!("the list is not JSON ({e})")))?;
        let names = match json.get(field) {
            Some(serde_json::Value::Array(a)) => a
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| protocol(format!("`{field}` holds a non-string")))
                })
                .collect::<Result<Vec<_>, _>>()?,
            // distribution answers `"tags": null` for a repository whose tags were all deleted.
            Some(serde_json::Value::Null) => Vec::new(),
            _ => return Err(protocol(format!("the answer has no `{field}` list"))),
        };
        let next = match link {
            None => None,
            Some(l) => next_last(&l, path).map_err(protocol)?,
        };
        // A `last` that does not move on would loop forever.
        if next.as_deref().is_some_and(|n| Some(n) == last) {
            return Err(protocol("its Link header repeats the same page".into()));
        }
        Ok((names, next))
    }

    /// Every page of a list, at most `max` names.
    async fn list_all(
        &self,
        r: Resource<'_>,
        path: &str,
        page: usize,
        max: usize,
        field: &str,
        what: &str,
    ) -> Result<Vec<String>, RegistryError> {
        let mut out = Vec::new();
        let mut last: Option<String> = None;
        for _ in 0..MAX_LIST_PAGES {
            let (names, next) = self
                .list_page(r, path, page.max(1), last.as_deref(), field, what)
                .await?;
            out.extend(names);
            match next {
                Some(n) if out.len() < max => last = Some(n),
                _ => break,
            }
        }
        out.truncate(max);
        Ok(out)
    }

    /// The repositories `host` lists in its catalog (`GET /v2/_catalog`), `page` a request,
    /// at most `max`.
    pub async fn catalog(
        &self,
        host: &str,
        page: usize,
        max: usize,
    ) -> Result<Vec<String>, RegistryError> {
        let what = format!("the catalog of {host}");
        self.list_all(
            Resource::Catalog(host),
            "/v2/_catalog",
            page,
            max,
            "repositories",
            &what,
        )
        .await
    }

    /// The tags of `r`'s repository (`GET /v2/<name>/tags/list`), `page` a request, at most
    /// `max`.
    pub async fn tags(
        &self,
        r: &ImageRef,
        page: usize,
        max: usize,
    ) -> Result<Vec<String>, RegistryError> {
        let what = format!("the tags of {}", r.repository());
        let path = format!("/v2/{}/tags/list", r.path());
        self.list_all(Resource::Repository(r), &path, page, max, "tags", &what)
            .await
    }

    /// A GET without registry auth on the same bounded client, for public JSON APIs (`url` is
    /// used as given; `host` and `what` name it in errors). Any status comes back as an
    /// answer; only transport failures and oversized bodies are errors.
    pub async fn get_public(
        &self,
        url: &str,
        host: &str,
        what: &str,
        limit: u64,
    ) -> Result<PublicAnswer, RegistryError> {
        let resp = self
            .http
            .get(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| self.map_reqwest(host, what, e))?;
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(super::error::sanitize)
        };
        let status = resp.status().as_u16();
        let (retry_after, rate_limit_reset, rate_limit_remaining) = (
            header("retry-after"),
            header("x-ratelimit-reset"),
            header("x-ratelimit-remaining"),
        );
        let limit = if resp.status().is_success() {
            limit
        } else {
            MAX_ERROR_BODY
        };
        let body = self.read_capped(host, resp, limit, what).await?;
        Ok(PublicAnswer {
            status,
            retry_after,
            rate_limit_reset,
            rate_limit_remaining,
            body,
        })
    }
}

/// Percent-encodes a query value (everything but unreserved characters).
pub(crate) fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An answer from a public JSON API: its status, the headers a client must respect, and the
/// body (at most the limit asked for; a failure body at most 64 KiB).
#[derive(Debug, Clone)]
pub struct PublicAnswer {
    pub status: u16,
    /// `Retry-After`, as sent.
    pub retry_after: Option<String>,
    /// `X-RateLimit-Reset` (seconds since the epoch), as sent.
    pub rate_limit_reset: Option<String>,
    /// `X-RateLimit-Remaining`, as sent.
    pub rate_limit_remaining: Option<String>,
    pub body: Vec<u8>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_headers_give_the_next_last_or_a_sentence() {
        let p = "/v2/_catalog";
        assert_eq!(
            next_last(r#"</v2/_catalog?last=team%2Fb&n=2>; rel="next""#, p),
            Ok(Some("team/b".into()))
        );
        assert_eq!(
            next_last(
                r#"<https://reg.example/v2/_catalog?n=2&last=a>; rel=next"#,
                p
            ),
            Ok(Some("a".into()))
        );
        assert_eq!(
            next_last(r#"</v2/_catalog?last=a>; rel="prev""#, p),
            Ok(None)
        );
        assert_eq!(next_last("", p), Ok(None));
        for bad in [
            "/v2/_catalog?last=a; rel=\"next\"",
            "</v2/_catalog?last=a; rel=\"next\"",
            r#"</v2/_catalog?n=2>; rel="next""#,
            r#"</v2/_catalog?last=>; rel="next""#,
            r#"</v2/_catalog?last=%zz>; rel="next""#,
            r#"</v2/other/tags/list?last=a>; rel="next""#,
        ] {
            let e = next_last(bad, p).expect_err(bad);
            assert!(e.starts_with("its Link header"), "{bad}: {e}");
        }
    }

    #[test]
    fn query_values_round_trip() {
        for s in ["team/app", "a b+c", "ünï"] {
            assert_eq!(percent_decode(&percent_encode(s)).as_deref(), Some(s));
        }
    }
}
