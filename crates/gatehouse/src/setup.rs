//! The data folder: key-encryption key and TLS material, created on first start.
//!
//! ```text
//! gatehouse-data/
//!   gatehouse.sqlite   embedded database (when no --database-url is given)
//!   kek                key-encryption key, base64 (0600), unless GATEHOUSE_KEK / `kek` is set
//!   tls/ca.pem         local CA certificate: trust this file (REQUESTS_CA_BUNDLE, --cacert)
//!   tls/ca.key         local CA key (0600), kept to re-issue the server certificate
//!   tls/server.pem     server certificate (SAN IP:127.0.0.1, DNS:localhost), then the CA
//!   tls/server.key     server key (0600)
//! ```

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use gatehouse_keys::Kek;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    SanType,
};

fn write_private(path: &Path, contents: &[u8]) -> Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    f.write_all(contents)?;
    f.sync_all()?;
    Ok(())
}

pub fn ensure_dir(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).with_context(|| {
        format!(
            "creating the data folder {} (check its permissions or pass --data-dir)",
            dir.display()
        )
    })
}

/// The KEK from configuration, else from `DIR/kek`, created if missing.
pub fn load_or_create_kek(configured: Option<&str>, data_dir: &Path) -> Result<Kek> {
    if let Some(text) = configured {
        return Kek::from_base64(text).context("the configured key-encryption key (GATEHOUSE_KEK / kek) is not 32 bytes of base64; create one with: head -c32 /dev/urandom | base64");
    }
    let path = data_dir.join("kek");
    if path.exists() {
        let text = fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        return Kek::from_base64(&text)
            .with_context(|| format!("{} is not a valid key-encryption key", path.display()));
    }
    ensure_dir(data_dir)?;
    let (kek, text) = Kek::generate()?;
    write_private(&path, text.as_bytes())?;
    Ok(kek)
}

pub struct TlsFiles {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Creates the local CA and a server certificate for 127.0.0.1 and localhost if they are missing.
pub fn ensure_local_tls(data_dir: &Path) -> Result<TlsFiles> {
    let dir = data_dir.join("tls");
    let files = TlsFiles {
        ca: dir.join("ca.pem"),
        cert: dir.join("server.pem"),
        key: dir.join("server.key"),
    };
    if files.ca.exists() && files.cert.exists() && files.key.exists() {
        return Ok(files);
    }
    ensure_dir(&dir)?;
    // A partial set (an interrupted first start) is replaced whole.
    for stale in [&files.ca, &files.cert, &files.key, &dir.join("ca.key")] {
        let _ = fs::remove_file(stale);
    }
    let now = time::OffsetDateTime::now_utc();

    let ca_key = KeyPair::generate()?;
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.distinguished_name.push(DnType::CommonName, "Gatehouse local CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    ca.not_before = now - time::Duration::days(1);
    ca.not_after = now + time::Duration::days(3650);
    let ca_cert = ca.self_signed(&ca_key)?;
    let issuer = Issuer::new(ca, ca_key);

    let server_key = KeyPair::generate()?;
    let mut server = CertificateParams::new(vec!["localhost".to_owned()])?;
    server.subject_alt_names.push(SanType::IpAddress("127.0.0.1".parse()?));
    server.subject_alt_names.push(SanType::IpAddress("::1".parse()?));
    server.distinguished_name.push(DnType::CommonName, "localhost");
    server.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    server.not_before = now - time::Duration::days(1);
    server.not_after = now + time::Duration::days(825);
    let server_cert = server.signed_by(&server_key, &issuer)?;

    fs::write(&files.ca, ca_cert.pem())?;
    write_private(&dir.join("ca.key"), issuer.key().serialize_pem().as_bytes())?;
    fs::write(&files.cert, format!("{}{}", server_cert.pem(), ca_cert.pem()))?;
    write_private(&files.key, server_key.serialize_pem().as_bytes())?;
    Ok(files)
}
