//! TLS failures in words that say what to fix. The HTTP client reports a failed certificate
//! check as a connection error whose text is rustls's ("invalid peer certificate: certificate not
//! valid for name …; certificate is only valid for DnsName(…)"); this finds the rustls error in
//! the chain and names the problem: the host name, the issuer, the dates.

use crate::config::SourceConfig;
use crate::sources::SourceError;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, Error as TlsError, SignatureScheme};
use std::sync::Arc;

/// The rustls error behind a request error, if the failure was TLS.
pub fn find<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a TlsError> {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if let Some(t) = err.downcast_ref::<TlsError>() {
            return Some(t);
        }
        // The TLS stream reports it as an I/O error wrapping it (nested, at times), and an I/O
        // error's `source` skips what it wraps: look inside.
        cur = match err
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
        {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => err.source(),
        };
    }
    None
}

/// What went wrong, for the panel and `oncall check` (after "TLS: ").
pub fn describe(e: &TlsError) -> String {
    let TlsError::InvalidCertificate(cert) = e else {
        return crate::sanitize::line(&e.to_string());
    };
    match cert {
        CertificateError::NotValidForNameContext {
            expected,
            presented,
        } => {
            let names: Vec<String> = presented.iter().map(|n| bare_name(n)).collect();
            let host = crate::sanitize::line(&expected.to_str());
            let is_for = if names.is_empty() {
                "names no host".to_string()
            } else {
                format!("is for {}", crate::sanitize::line(&names.join(", ")))
            };
            format!(
                "the certificate {is_for}, not {host}: connect by a name it has, or fix the \
                 server's certificate"
            )
        }
        CertificateError::NotValidForName => {
            "the certificate is not valid for this host name: connect by a name it has, or fix \
             the server's certificate"
                .into()
        }
        CertificateError::UnknownIssuer => "the certificate's issuer is not trusted: set the \
                                            source's ca_file to the CA that signed it (PEM)"
            .into(),
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            "the certificate has expired".into()
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "the certificate is not valid yet (is this machine's clock right?)".into()
        }
        CertificateError::Revoked => "the certificate has been revoked".into(),
        other => format!(
            "invalid certificate: {}",
            crate::sanitize::line(&other.to_string())
        ),
    }
}

/// `DnsName("wrong.example")` or `IpAddress(10.0.0.1)` (how rustls lists a certificate's names)
/// → `wrong.example`, `10.0.0.1`.
fn bare_name(presented: &str) -> String {
    let inner = presented
        .split_once('(')
        .and_then(|(_, rest)| rest.strip_suffix(')'))
        .unwrap_or(presented);
    inner.trim_matches('"').to_string()
}

/// The TLS settings of the Loki live tail (`wss://`), the same as the HTTP client's: the public
/// roots, plus the source's `ca_file`; with `tls_insecure`, no certificate check at all.
pub fn ws_connector(cfg: &SourceConfig) -> Result<tokio_tungstenite::Connector, SourceError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| SourceError::Setup(format!("TLS setup: {e}")))?;
    let config = if cfg.tls_insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
            .with_no_client_auth()
    } else {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        if let Some(ca) = &cfg.ca_file {
            let bad = |e: &dyn std::fmt::Display| {
                SourceError::Setup(format!(
                    "ca_file {} is not a PEM certificate: {e}",
                    ca.display()
                ))
            };
            let pem = std::fs::read(ca).map_err(|e| {
                SourceError::Setup(format!("cannot read ca_file {}: {e}", ca.display()))
            })?;
            let mut found = 0;
            for cert in CertificateDer::pem_slice_iter(&pem) {
                roots.add(cert.map_err(|e| bad(&e))?).map_err(|e| bad(&e))?;
                found += 1;
            }
            if found == 0 {
                return Err(bad(&"no certificate in it"));
            }
        }
        builder.with_root_certificates(roots).with_no_client_auth()
    };
    Ok(tokio_tungstenite::Connector::Rustls(Arc::new(config)))
}

/// `tls_insecure`: any certificate is accepted (signatures are still checked, so the handshake
/// itself is sound).
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, TlsError> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::pki_types::ServerName;

    fn wrong_name(host: &'static str, presented: &[&str]) -> TlsError {
        let expected = ServerName::try_from(host).expect("a server name");
        TlsError::InvalidCertificate(CertificateError::NotValidForNameContext {
            expected,
            presented: presented.iter().map(|s| s.to_string()).collect(),
        })
    }

    #[test]
    fn a_wrong_host_names_both_sides() {
        let e = wrong_name("localhost", &[r#"DnsName("wrong.example")"#]);
        assert_eq!(
            describe(&e),
            "the certificate is for wrong.example, not localhost: connect by a name it has, or \
             fix the server's certificate"
        );
        let e = wrong_name(
            "127.0.0.1",
            &[r#"DnsName("a.example")"#, "IpAddress(10.0.0.1)"],
        );
        assert!(
            describe(&e).starts_with("the certificate is for a.example, 10.0.0.1, not 127.0.0.1"),
            "{}",
            describe(&e)
        );
        let e = wrong_name("localhost", &[]);
        assert!(describe(&e).starts_with("the certificate names no host, not localhost"));
    }

    #[test]
    fn other_certificate_problems_say_what_to_do() {
        let e = TlsError::InvalidCertificate(CertificateError::UnknownIssuer);
        assert!(describe(&e).contains("ca_file"), "{}", describe(&e));
        let e = TlsError::InvalidCertificate(CertificateError::Expired);
        assert_eq!(describe(&e), "the certificate has expired");
        let e = TlsError::InvalidCertificate(CertificateError::BadSignature);
        assert!(describe(&e).starts_with("invalid certificate: "));
        let e = TlsError::General("\u{1b}]0;pwned\u{7}nope".into());
        assert!(!describe(&e).contains('\u{1b}'), "{}", describe(&e));
    }

    #[test]
    fn found_inside_an_io_error() {
        let io = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            TlsError::InvalidCertificate(CertificateError::UnknownIssuer),
        );
        assert!(find(&io).is_some());
        // As the HTTP client nests it.
        let nested = std::io::Error::other(io);
        assert!(find(&nested).is_some());
        let plain = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert!(find(&plain).is_none());
    }
}
