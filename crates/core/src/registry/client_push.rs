//! Pushes to a registry that asks for a client certificate. oci-client (every other push)
//! builds its own HTTP client and cannot present one, so these go through the host's own client
//! (its CAs and client certificate, see `transport`), with the auth `ensure_push_auth` cached:
//! a blob is `HEAD` (already there?), `POST …/blobs/uploads/`, `PUT <location>&digest=…` in one
//! piece; a manifest is one `PUT`. Failure answers keep their OCI error envelope, as reads do.

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, LOCATION};

use super::auth::CachedAuth;
use super::error::RegistryError;
use super::Registry;
use crate::reference::ImageRef;

impl Registry {
    /// Decides `host`'s route; `true` when pushes to it present a client certificate and so go
    /// through this module rather than oci-client.
    pub(super) async fn pushes_with_client_certificate(
        &self,
        host: &str,
    ) -> Result<bool, RegistryError> {
        self.route(host).await?;
        Ok(self.presents_client_certificate(host))
    }

    /// Sends a push request with the cached push auth; a failure answer is an error.
    async fn send_push(
        &self,
        r: &ImageRef,
        req: reqwest::RequestBuilder,
        what: &str,
    ) -> Result<reqwest::Response, RegistryError> {
        let host = r.registry_host();
        let req = match self.auth.get(host, r.path(), true) {
            Some(CachedAuth::Bearer { token, .. }) => req.bearer_auth(token.as_str()),
            Some(CachedAuth::Basic { header, .. }) => req.header(AUTHORIZATION, header.as_str()),
            None => req,
        };
        let resp = match req.send().await {
            Ok(resp) => resp,
            Err(e) => return Err(self.map_send_error(host, what, e).await),
        };
        if resp.status().is_success() {
            Ok(resp)
        } else {
            Err(self.refusal(host, what, resp).await)
        }
    }

    /// Pushes the blob `digest` (the hash of `data`) unless the registry has it.
    pub(super) async fn push_blob_presenting_certificate(
        &self,
        r: &ImageRef,
        data: Vec<u8>,
        digest: &str,
        what: &str,
    ) -> Result<(), RegistryError> {
        let base = self.base(r).await?;
        let client = self.client_for(r.registry_host());
        let head = client.head(format!("{base}/blobs/{digest}"));
        if self.send_push(r, head, what).await.is_ok() {
            return Ok(());
        }
        let post = client.post(format!("{base}/blobs/uploads/"));
        let started = self.send_push(r, post, what).await?;
        let protocol = |detail: &str| RegistryError::Protocol {
            host: r.registry_host().into(),
            what: what.into(),
            detail: detail.into(),
        };
        let location = started
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| protocol("the upload answer has no Location"))?;
        let mut url = reqwest::Url::parse(&base)
            .and_then(|b| b.join(location))
            .map_err(|_| protocol("the upload answer's Location is not a URL"))?;
        url.query_pairs_mut().append_pair("digest", digest);
        let put = client
            .put(url)
            .header(CONTENT_TYPE, "application/octet-stream")
            .body(data);
        self.send_push(r, put, what).await.map(drop)
    }

    /// Pushes a manifest under `tag`.
    pub(super) async fn push_manifest_presenting_certificate(
        &self,
        r: &ImageRef,
        tag: &str,
        bytes: Vec<u8>,
        media_type: &str,
        what: &str,
    ) -> Result<(), RegistryError> {
        let url = format!("{}/manifests/{tag}", self.base(r).await?);
        let put = self
            .client_for(r.registry_host())
            .put(url)
            .header(CONTENT_TYPE, media_type)
            .body(bytes);
        self.send_push(r, put, what).await.map(drop)
    }
}
