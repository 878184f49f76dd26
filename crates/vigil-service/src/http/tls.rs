//! HTTPS for a server that faces the internet: a certificate chain and its private key, both
//! PEM files, served with rustls (TLS 1.2 and 1.3, ring's safe defaults; ALPN `h2` and
//! `http/1.1`). Set [`super::ServerLimits::tls`] and [`super::serve_with`] speaks only TLS on
//! that listener: a plain-HTTP client's bytes fail the handshake and it is disconnected.

use std::{path::Path, sync::Arc};

use tokio_rustls::rustls::{
    self, ServerConfig,
    pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject},
};

/// A server's TLS identity, ready to serve. Cheap to clone.
#[derive(Clone)]
pub struct Tls(Arc<ServerConfig>);

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tls(..)")
    }
}

/// Why a certificate or key cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A PEM file cannot be read or holds no usable item.
    #[error("{what} {path}: {reason}")]
    File {
        /// `certificate` or `private key`.
        what: &'static str,
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// rustls refuses the pair (the key does not match the certificate, an unsupported key).
    #[error("TLS certificate and key: {0}")]
    Config(#[from] rustls::Error),
}

impl Tls {
    /// Reads the certificate chain (`cert`, leaf first) and the private key (`key`: PKCS#8,
    /// PKCS#1 or SEC1) from PEM files.
    pub fn from_pem_files(cert: &Path, key: &Path) -> Result<Self, TlsError> {
        let file_error = |what, path: &Path, reason: String| TlsError::File {
            what,
            path: path.display().to_string(),
            reason,
        };
        let chain = CertificateDer::pem_file_iter(cert)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .map_err(|e| file_error("certificate", cert, e.to_string()))?;
        if chain.is_empty() {
            return Err(file_error("certificate", cert, "no CERTIFICATE in the file".into()));
        }
        let key_der = PrivateKeyDer::from_pem_file(key)
            .map_err(|e| file_error("private key", key, e.to_string()))?;
        Self::new(chain, key_der)
    }

    /// Serves `chain` (leaf first) with `key`.
    pub fn new(
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> Result<Self, TlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(chain, key)?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Self(Arc::new(config)))
    }

    /// The acceptor each connection's handshake runs on.
    pub(super) fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        tokio_rustls::TlsAcceptor::from(self.0.clone())
    }
}

/// Refuses `<prefix>tls_cert` without `<prefix>tls_key` or the reverse (config validation;
/// the files are read at start, by [`from_config`]). `prefix` is what comes before the field
/// names: `api.` for `[api] tls_cert`, `node.api_` for `[node] api_tls_cert`.
pub fn check_config(
    prefix: &str,
    cert: Option<&Path>,
    key: Option<&Path>,
) -> Result<(), crate::ConfigError> {
    let missing = |set: &str, unset: &str| crate::ConfigError::Invalid {
        field: format!("{prefix}{unset}"),
        reason: format!("must be set with {prefix}{set} (both or neither)"),
    };
    match (cert, key) {
        (Some(_), None) => Err(missing("tls_cert", "tls_key")),
        (None, Some(_)) => Err(missing("tls_key", "tls_cert")),
        _ => Ok(()),
    }
}

/// The TLS identity of a server configured with `<prefix>tls_cert` and `<prefix>tls_key`
/// ([`check_config`]): none when neither is set. The error names the fields.
pub fn from_config(
    prefix: &str,
    cert: Option<&Path>,
    key: Option<&Path>,
) -> Result<Option<Tls>, crate::RunError> {
    check_config(prefix, cert, key).map_err(|e| crate::RunError::Config(e.to_string()))?;
    match (cert, key) {
        (Some(cert), Some(key)) => Tls::from_pem_files(cert, key)
            .map(Some)
            .map_err(|e| crate::RunError::Config(format!("{prefix}tls_cert/{prefix}tls_key: {e}"))),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::path::PathBuf;

    use axum::{Router, routing::get};

    use super::*;
    use crate::http::{ServerLimits, serve_with};

    /// The committed test-only certificate and key (`tests/data/README.md`).
    fn test_pair() -> (PathBuf, PathBuf) {
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
        (data.join("test-cert.pem"), data.join("test-key.pem"))
    }

    #[tokio::test]
    async fn https_with_a_trusted_certificate_and_never_plain_http() {
        let (cert, key) = test_pair();
        let tls = Tls::from_pem_files(&cert, &key).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let router = Router::new().route("/v1/health", get(|| async { "ok" }));
        let limits = ServerLimits {
            tls: Some(tls),
            header_read_timeout: std::time::Duration::from_millis(500),
            ..ServerLimits::named("test-tls")
        };
        tokio::spawn(serve_with(listener, router, std::future::pending(), limits));

        let trusted = reqwest::Certificate::from_pem(&std::fs::read(&cert).unwrap()).unwrap();
        let client = reqwest::Client::builder()
            .use_rustls_tls()
            .tls_built_in_root_certs(false)
            .add_root_certificate(trusted)
            .build()
            .unwrap();
        for host in ["127.0.0.1", "localhost"] {
            let url = format!("https://{host}:{port}/v1/health");
            let answer = client.get(&url).send().await.unwrap();
            assert_eq!(answer.status(), reqwest::StatusCode::OK, "{url}");
            assert_eq!(answer.text().await.unwrap(), "ok");
        }

        let plain = reqwest::Client::new().get(format!("http://127.0.0.1:{port}/v1/health"));
        let refused = plain.send().await;
        assert!(refused.is_err(), "plain HTTP was answered: {refused:?}");

        // A client that opens a connection and never starts the handshake is disconnected
        // after the header-read timeout.
        let mut silent = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let started = std::time::Instant::now();
        let mut buf = [0u8; 64];
        let read = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            tokio::io::AsyncReadExt::read(&mut silent, &mut buf),
        )
        .await;
        assert!(matches!(read, Ok(Ok(0) | Err(_))), "{read:?}");
        assert!(started.elapsed() >= std::time::Duration::from_millis(400));

        // A client that does not trust the certificate cannot talk to it either.
        let untrusting =
            reqwest::Client::builder().use_rustls_tls().tls_built_in_root_certs(false).build();
        let unverified =
            untrusting.unwrap().get(format!("https://127.0.0.1:{port}/v1/health")).send().await;
        assert!(unverified.is_err(), "an untrusted certificate was accepted");
    }

    #[test]
    fn unusable_files_and_half_a_pair_are_refused_by_name() {
        let (cert, key) = test_pair();
        let err = from_config("api.", Some(&cert), None).unwrap_err().to_string();
        assert!(err.contains("api.tls_key"), "{err}");
        let err = check_config("node.api_", None, Some(&key)).unwrap_err().to_string();
        assert!(err.contains("node.api_tls_cert"), "{err}");
        assert!(from_config("api.", None, None).unwrap().is_none());
        assert!(from_config("api.", Some(&cert), Some(&key)).unwrap().is_some());
        // The certificate given as the key, a missing file.
        let err = from_config("api.", Some(&cert), Some(&cert)).unwrap_err().to_string();
        assert!(err.contains("private key"), "{err}");
        let missing = cert.with_file_name("missing.pem");
        let err = from_config("api.", Some(&missing), Some(&key)).unwrap_err().to_string();
        assert!(err.contains("missing.pem"), "{err}");
    }
}
