//! The data folder: key-encryption key and TLS material, created on first start, and the check
//! that it is private to its owner.
//!
//! ```text
//! gatehouse-data/      0700
//!   gatehouse.sqlite   embedded database (when no --database-url is given), with its -wal, -shm
//!   kek                key-encryption key, base64, unless GATEHOUSE_KEK / `kek` is set
//!   getting-started.txt  the first start's one-time secrets, with `serve --quiet-bootstrap`
//!   tls/ca.pem         local CA certificate: trust this file (REQUESTS_CA_BUNDLE, --cacert)
//!   tls/ca.key         local CA key, kept to re-issue the server certificate
//!   tls/server.pem     server certificate (SAN IP:127.0.0.1, DNS:localhost), then the CA
//!   tls/server.key     server key
//! ```
//!
//! Every file is created 0600 and every folder 0700 by passing the mode to the call that creates
//! it, so a permissive umask cannot widen them (a umask only removes bits). [`check_private`]
//! runs before a verb uses the folder: anything in it that group or others may use stops the start
//! with the `chmod` that fixes it, or is a warning with `--allow-insecure-permissions`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use gatehouse_keys::Kek;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    SanType,
};

/// Writes a new file readable only by its owner (0600); an existing file is an error.
pub fn write_private(path: &Path, contents: &[u8]) -> Result<()> {
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

/// Creates `dir` with mode 0700 if it is missing (its missing parents get the usual mode).
pub fn ensure_dir(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let explain = || {
        format!(
            "creating the data folder {} (check its permissions or pass --data-dir)",
            dir.display()
        )
    };
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).with_context(explain)?;
    }
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    match builder.create(dir) {
        Err(e) if !(e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir()) => Err(e).with_context(explain),
        _ => Ok(()),
    }
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

    write_private(&files.ca, ca_cert.pem().as_bytes())?;
    write_private(&dir.join("ca.key"), issuer.key().serialize_pem().as_bytes())?;
    write_private(
        &files.cert,
        format!("{}{}", server_cert.pem(), ca_cert.pem()).as_bytes(),
    )?;
    write_private(&files.key, server_key.serialize_pem().as_bytes())?;
    Ok(files)
}

/// The file `serve --quiet-bootstrap` writes the first start's one-time secrets to.
pub const GETTING_STARTED_FILE: &str = "getting-started.txt";

/// Writes the getting-started text to `DIR/getting-started.txt` (0600, replacing an older one).
pub fn write_getting_started(data_dir: &Path, text: &str) -> Result<PathBuf> {
    ensure_dir(data_dir)?;
    let path = data_dir.join(GETTING_STARTED_FILE);
    match fs::remove_file(&path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(e).with_context(|| format!("replacing {}", path.display()))
        }
        _ => {}
    }
    write_private(&path, text.as_bytes())?;
    Ok(path)
}

/// How deep [`check_private`] looks: the folder, `tls/`, and a little room for the operator's own.
const MAX_DEPTH: usize = 4;

/// Something in the data folder that group or others may use.
#[derive(Debug, PartialEq)]
pub(crate) struct Exposed {
    pub(crate) path: PathBuf,
    pub(crate) mode: u32,
    pub(crate) dir: bool,
}

/// Refuses to go on when the data folder, or anything in it, grants group or other users any
/// access; with `allow_insecure` it warns on standard error instead.
pub fn check_private(data_dir: &Path, allow_insecure: bool) -> Result<()> {
    let found = exposed(data_dir)?;
    if found.is_empty() {
        return Ok(());
    }
    let report = describe(data_dir, &found);
    if allow_insecure {
        eprintln!("warning: {report}\nGoing on anyway, as allow_insecure_permissions says.");
        return Ok(());
    }
    bail!(
        "{report}\nOr, to start anyway with a warning, pass --allow-insecure-permissions \
         (GATEHOUSE_ALLOW_INSECURE_PERMISSIONS=true, or allow_insecure_permissions = true in the configuration file)."
    )
}

fn describe(data_dir: &Path, found: &[Exposed]) -> String {
    let mut text = format!(
        "the data folder {} is open to other local users (group or other permissions), and it holds password hashes, the sign-in log and sealed keys:\n",
        data_dir.display()
    );
    for e in found {
        let want = if e.dir { "0700" } else { "0600" };
        text.push_str(&format!("  {}  is {:04o}, must be {want}\n", e.path.display(), e.mode));
    }
    let list = |dirs: bool| {
        found
            .iter()
            .filter(|e| e.dir == dirs)
            .map(|e| shell_quote(&e.path))
            .collect::<Vec<_>>()
    };
    let commands: Vec<String> = [("700", list(true)), ("600", list(false))]
        .into_iter()
        .filter(|(_, paths)| !paths.is_empty())
        .map(|(mode, paths)| format!("chmod {mode} {}", paths.join(" ")))
        .collect();
    text.push_str(&format!("Make it private with:\n  {}", commands.join(" && ")));
    text
}

/// A path as one shell word (single-quoted unless it is plain; never taken for an option).
pub(crate) fn shell_quote(path: &Path) -> String {
    let text = path.to_string_lossy();
    let text = if text.starts_with('-') {
        format!("./{text}")
    } else {
        text.into_owned()
    };
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+:,@%=".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        text
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(not(unix))]
pub(crate) fn exposed(_data_dir: &Path) -> Result<Vec<Exposed>> {
    Ok(Vec::new())
}

#[cfg(unix)]
pub(crate) fn exposed(data_dir: &Path) -> Result<Vec<Exposed>> {
    let meta = fs::metadata(data_dir).with_context(|| format!("reading the data folder {}", data_dir.display()))?;
    let mut found = Vec::new();
    visit(data_dir, &meta, 0, &mut found)?;
    Ok(found)
}

/// Checks `path` and, for a real folder (not a link to one), what is in it.
#[cfg(unix)]
fn visit(path: &Path, meta: &fs::Metadata, depth: usize, found: &mut Vec<Exposed>) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        found.push(Exposed {
            path: path.to_owned(),
            mode,
            dir: meta.is_dir(),
        });
    }
    if !meta.is_dir() || depth >= MAX_DEPTH {
        return Ok(());
    }
    let mut children = fs::read_dir(path)
        .with_context(|| format!("reading {}", path.display()))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<std::io::Result<Vec<_>>>()
        .with_context(|| format!("reading {}", path.display()))?;
    children.sort();
    for child in children {
        // A file may vanish meanwhile (SQLite removes its -wal and -shm when the last user closes).
        let own = match fs::symlink_metadata(&child) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e).with_context(|| format!("reading {}", child.display())),
        };
        if own.file_type().is_symlink() {
            // A link is judged by what it points to, and never followed into a folder.
            if let Ok(target) = fs::metadata(&child) {
                visit(&child, &target, MAX_DEPTH, found)?;
            }
            continue;
        }
        visit(&child, &own, depth + 1, found)?;
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn chmod(path: &Path, mode: u32) {
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn a_private_folder_passes_and_a_shared_one_is_named_with_its_chmod() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("data");
        ensure_dir(&dir).unwrap();
        ensure_dir(&dir.join("tls")).unwrap();
        write_private(&dir.join("kek"), b"k").unwrap();
        write_private(&dir.join("tls/ca.pem"), b"c").unwrap();
        check_private(&dir, false).unwrap();

        chmod(&dir.join("tls"), 0o755);
        chmod(&dir.join("kek"), 0o640);
        let e = check_private(&dir, false).unwrap_err().to_string();
        let d = dir.display();
        assert!(e.contains(&format!("chmod 700 {d}/tls && chmod 600 {d}/kek")), "{e}");
        assert!(e.contains(&format!("{d}/kek  is 0640, must be 0600")), "{e}");
        assert!(!e.contains("ca.pem"), "a private file is not named: {e}");
        assert!(e.contains("--allow-insecure-permissions"), "{e}");
        check_private(&dir, true).expect("the override turns the refusal into a warning");
    }

    #[test]
    fn paths_are_quoted_for_the_shell() {
        assert_eq!(shell_quote(Path::new("/var/lib/gh-data/kek")), "/var/lib/gh-data/kek");
        assert_eq!(shell_quote(Path::new("my data/it's")), r"'my data/it'\''s'");
        assert_eq!(shell_quote(Path::new("-x/kek")), "./-x/kek");
    }
}
