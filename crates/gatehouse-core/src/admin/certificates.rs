//! `gatehouse app credential add --cert|--create-cert`, `credential list|remove` for
//! certificates: an application's certificate credentials (the public part only, never a
//! private key), beside its secrets. A client proves it holds the private key with a signed
//! client assertion (`issuance::client_assertion`).

use aws_lc_rs::digest;
use x509_parser::pem::Pem;
use x509_parser::public_key::PublicKey;

use super::Admin;
use crate::error::{Error, Object};
use crate::model::{new_guid, now, Application, ClientCertificate, ClientSecret, Tenant, UnixTime};

/// Smallest RSA key accepted, as Entra.
pub const MIN_RSA_BITS: usize = 2048;

/// Why a certificate file was refused (the binary words these for a person).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificateFile {
    /// The file holds a private key: only the certificate may be registered.
    PrivateKey,
    /// Neither a PEM `CERTIFICATE` block nor DER of a certificate.
    NoCertificate,
    /// Several certificates: one at a time.
    Several,
}

/// The certificate in a PEM or DER file, as DER. A file holding a private key is refused
/// whatever else it holds, so a key never reaches the store by mistake.
pub fn certificate_der(file: &[u8]) -> Result<Vec<u8>, CertificateFile> {
    let text = String::from_utf8_lossy(file);
    if text.contains("PRIVATE KEY-----") {
        return Err(CertificateFile::PrivateKey);
    }
    if !text.contains("-----BEGIN") {
        return match x509_parser::parse_x509_certificate(file) {
            Ok(([], _)) => Ok(file.to_vec()),
            _ => Err(CertificateFile::NoCertificate),
        };
    }
    let mut certs = Vec::new();
    for block in Pem::iter_from_buffer(file) {
        let block = block.map_err(|_| CertificateFile::NoCertificate)?;
        if block.label.contains("PRIVATE KEY") {
            return Err(CertificateFile::PrivateKey);
        }
        if block.label == "CERTIFICATE" {
            certs.push(block.contents);
        }
    }
    match certs.len() {
        0 => Err(CertificateFile::NoCertificate),
        1 => Ok(certs.remove(0)),
        _ => Err(CertificateFile::Several),
    }
}

/// What registration reads from a certificate.
#[derive(Debug, Clone)]
pub struct ParsedCertificate {
    pub thumbprint_sha1: [u8; 20],
    pub thumbprint_sha256: [u8; 32],
    /// The subject public key info (DER) of its RSA key.
    pub public_key: Vec<u8>,
    pub start: UnixTime,
    pub end: UnixTime,
    pub common_name: Option<String>,
}

/// Parses a DER certificate holding an RSA key of at least [`MIN_RSA_BITS`].
pub fn parse(der: &[u8]) -> Result<ParsedCertificate, Error> {
    let (rest, cert) = x509_parser::parse_x509_certificate(der)
        .map_err(|_| Error::Invalid("The certificate cannot be read: give an X.509 certificate, PEM or DER.".into()))?;
    if !rest.is_empty() {
        return Err(Error::Invalid("The certificate has trailing data.".into()));
    }
    let spki = cert.public_key();
    match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) if rsa.key_size() >= MIN_RSA_BITS => {}
        Ok(PublicKey::RSA(_)) => {
            return Err(Error::Invalid(format!(
                "The certificate's RSA key is shorter than {MIN_RSA_BITS} bits."
            )))
        }
        _ => {
            return Err(Error::Invalid(
                "The certificate's key is not RSA: client assertions are signed with RS256 or PS256.".into(),
            ))
        }
    }
    let common_name = cert
        .subject()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(str::to_owned);
    let sha1 = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, der);
    let sha256 = digest::digest(&digest::SHA256, der);
    Ok(ParsedCertificate {
        thumbprint_sha1: sha1.as_ref().try_into().map_err(|_| Error::Internal("sha1".into()))?,
        thumbprint_sha256: sha256
            .as_ref()
            .try_into()
            .map_err(|_| Error::Internal("sha256".into()))?,
        public_key: spki.raw.to_vec(),
        start: cert.validity().not_before.timestamp(),
        end: cert.validity().not_after.timestamp(),
        common_name,
    })
}

/// Upper-case hex, as Entra shows certificate thumbprints (`customKeyIdentifier`).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// A credential of an application: a secret or a certificate.
#[derive(Debug, Clone)]
pub enum Credential {
    Secret(ClientSecret),
    Certificate(ClientCertificate),
}

impl Credential {
    pub fn key_id(&self) -> &str {
        match self {
            Self::Secret(s) => &s.key_id,
            Self::Certificate(c) => &c.key_id,
        }
    }

    pub fn end(&self) -> UnixTime {
        match self {
            Self::Secret(s) => s.end,
            Self::Certificate(c) => c.end,
        }
    }
}

impl Admin {
    /// Registers a certificate (DER) on a confidential application. An expired certificate,
    /// one not valid yet by more than a day, a non-RSA or short key are refused.
    pub async fn add_certificate(
        &self,
        tenant: &Tenant,
        app: &Application,
        der: &[u8],
        display_name: Option<&str>,
    ) -> Result<ClientCertificate, Error> {
        if app.public_client {
            return Err(Error::Invalid("A public client cannot have certificates.".into()));
        }
        let parsed = parse(der)?;
        let t = now();
        if parsed.end <= t {
            return Err(Error::Invalid(
                "The certificate has expired: register a certificate that is still valid.".into(),
            ));
        }
        if parsed.start > t + 86_400 {
            return Err(Error::Invalid(
                "The certificate is not valid before a later date.".into(),
            ));
        }
        let cert = ClientCertificate {
            key_id: new_guid(),
            application_id: app.id.clone(),
            display_name: display_name
                .map(str::to_owned)
                .or(parsed.common_name.map(|cn| format!("CN={cn}")))
                .unwrap_or_default(),
            thumbprint_sha1: parsed.thumbprint_sha1,
            thumbprint_sha256: parsed.thumbprint_sha256,
            der: der.to_vec(),
            public_key: parsed.public_key,
            start: parsed.start,
            end: parsed.end,
        };
        match self.store.add_certificate(&tenant.id, &cert).await {
            Err(crate::store::StoreError::Conflict(_)) => Err(Error::Conflict {
                object: Object::Certificate,
                name: hex(&cert.thumbprint_sha1),
            }),
            other => other.map(|()| cert).map_err(Error::from),
        }
    }

    pub async fn list_certificates(&self, app: &Application) -> Result<Vec<ClientCertificate>, Error> {
        Ok(self.store.list_certificates(&app.id).await?)
    }

    /// Secrets, then certificates.
    pub async fn list_credentials(&self, app: &Application) -> Result<Vec<Credential>, Error> {
        let mut all: Vec<Credential> = self
            .store
            .list_secrets(&app.id)
            .await?
            .into_iter()
            .map(Credential::Secret)
            .collect();
        all.extend(
            self.store
                .list_certificates(&app.id)
                .await?
                .into_iter()
                .map(Credential::Certificate),
        );
        Ok(all)
    }

    /// Removes a secret or a certificate by key id.
    pub async fn remove_credential(&self, tenant: &Tenant, app: &Application, key_id: &str) -> Result<(), Error> {
        let key_id = key_id.to_ascii_lowercase();
        if self.store.remove_secret(&tenant.id, &app.id, &key_id).await?
            || self.store.remove_certificate(&tenant.id, &app.id, &key_id).await?
        {
            Ok(())
        } else {
            Err(Error::NotFound {
                object: Object::Credential,
                name: key_id,
            })
        }
    }
}
