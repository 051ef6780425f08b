//! The text format of a personal access token (PAT), its strict parser and a leak scanner.
//!
//! ```text
//! gthpat_ 4ZbQ...(40 base62 characters: the random body)... 0fK9aB (6 base62: CRC32)
//! └prefix┘└──────────────────── body ────────────────────┘└checksum┘
//! ```
//!
//! - The prefix `gthpat_` ("GaTeHouse PAT") is used by no other well-known secret scanner
//!   (GitHub uses `ghp_`/`gho_`/`ghu_`/`ghs_`/`ghr_`/`github_pat_`, GitLab `glpat-`, Slack
//!   `xox?-`, Shopify `shpat_`, npm `npm_`, Hugging Face `hf_`; Azure DevOps' own PATs carry no
//!   prefix), so a scanner that finds it knows whose token it is.
//! - The body is 40 characters of base62 drawn uniformly (about 238 bits of entropy); the caller
//!   draws it (this crate does no I/O and has no random source), see [`Pat::from_body`].
//! - The checksum is the CRC32 (IEEE) of the prefix and the body, in base62, zero-padded to 6
//!   characters, as GitHub's tokens do: a typo or a truncated paste is refused offline, and a
//!   scanner keeps only strings whose checksum is right ([`find_pats`]), so look-alikes are not
//!   reported.
//!
//! The server stores only SHA-256 of the whole text; the checksum is not a secret and proves
//! nothing about validity, only that the string was (very likely) minted by a Gatehouse.

use std::fmt;

/// What every PAT starts with.
pub const PREFIX: &str = "gthpat_";
/// Characters of random body.
pub const BODY_LEN: usize = 40;
/// Characters of checksum.
pub const CHECKSUM_LEN: usize = 6;
/// The length of a whole PAT.
pub const PAT_LEN: usize = PREFIX.len() + BODY_LEN + CHECKSUM_LEN;
/// The alphabet of the body and the checksum.
pub const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A PAT whose shape and checksum are right (which says nothing about whether it is valid).
#[derive(Clone, PartialEq, Eq)]
pub struct Pat {
    text: String,
}

/// Why a text is not a PAT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PatError {
    #[error("a personal access token starts with {PREFIX}")]
    Prefix,
    #[error("a personal access token is {PAT_LEN} characters long")]
    Length,
    #[error("a personal access token holds only letters and digits after its prefix")]
    Character,
    #[error("the personal access token's checksum is wrong (mistyped or truncated?)")]
    Checksum,
}

impl Pat {
    /// Parses a PAT strictly: prefix, length, alphabet, checksum. No trimming.
    pub fn parse(text: &str) -> Result<Self, PatError> {
        let rest = text.strip_prefix(PREFIX).ok_or(PatError::Prefix)?;
        if rest.len() != BODY_LEN + CHECKSUM_LEN {
            return Err(PatError::Length);
        }
        if !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(PatError::Character);
        }
        let (body, sum) = rest.split_at(BODY_LEN);
        if checksum_text(body) != sum {
            return Err(PatError::Checksum);
        }
        Ok(Self { text: text.to_owned() })
    }

    /// The PAT of a random body the caller drew (`BODY_LEN` characters of [`ALPHABET`]).
    pub fn from_body(body: &str) -> Result<Self, PatError> {
        if body.len() != BODY_LEN {
            return Err(PatError::Length);
        }
        if !body.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(PatError::Character);
        }
        Ok(Self {
            text: format!("{PREFIX}{body}{}", checksum_text(body)),
        })
    }

    /// The whole text (a secret: show it once, never log it).
    pub fn expose(&self) -> &str {
        &self.text
    }

    /// The random body.
    pub fn body(&self) -> &str {
        &self.text[PREFIX.len()..PREFIX.len() + BODY_LEN]
    }
}

/// Never prints the secret.
impl fmt::Debug for Pat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pat({PREFIX}…)")
    }
}

/// A PAT found in a text blob: its byte range and the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub start: usize,
    pub end: usize,
    pub pat: Pat,
}

/// Every PAT in `text` whose checksum is right. A candidate is the prefix not preceded by a
/// letter, digit or `_`, followed by exactly `BODY_LEN + CHECKSUM_LEN` letters or digits and
/// then no further letter, digit or `_` (so a longer look-alike is not cut to size).
pub fn find_pats(text: &str) -> Vec<Match> {
    let bytes = text.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find(PREFIX) {
        let start = from + i;
        from = start + PREFIX.len();
        if start > 0 && word(bytes[start - 1]) {
            continue;
        }
        let end = start + PAT_LEN;
        if end > bytes.len() || bytes.get(end).is_some_and(|b| word(*b)) {
            continue;
        }
        // Every byte before `end` is ASCII if the candidate is alphanumeric, so slicing is safe.
        if !bytes[from..end].iter().all(|b| b.is_ascii_alphanumeric()) {
            continue;
        }
        if let Ok(pat) = Pat::parse(&text[start..end]) {
            out.push(Match { start, end, pat });
            from = end;
        }
    }
    out
}

/// The checksum characters of a body: CRC32 of prefix + body in base62, zero-padded.
fn checksum_text(body: &str) -> String {
    let mut n = crc32(PREFIX.as_bytes().iter().chain(body.as_bytes()).copied()) as u64;
    let mut out = [b'0'; CHECKSUM_LEN];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(n % 62) as usize];
        n /= 62;
    }
    // 62^6 > 2^32, so nothing is left over; the bytes are ASCII.
    out.iter().map(|b| *b as char).collect()
}

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), bit by bit: 53 bytes per token.
fn crc32(data: impl Iterator<Item = u8>) -> u32 {
    let mut crc = !0u32;
    for b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = "aZ09aZ09aZ09aZ09aZ09aZ09aZ09aZ09aZ09aZ09";

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789".iter().copied()), 0xCBF4_3926);
    }

    #[test]
    fn a_minted_pat_parses_back() {
        let pat = Pat::from_body(BODY).unwrap();
        assert_eq!(pat.expose().len(), PAT_LEN);
        assert!(pat.expose().starts_with(PREFIX));
        assert_eq!(Pat::parse(pat.expose()).unwrap(), pat);
        assert_eq!(pat.body(), BODY);
    }

    #[test]
    fn parse_is_strict() {
        let good = Pat::from_body(BODY).unwrap().expose().to_owned();
        assert_eq!(Pat::parse(&good[1..]), Err(PatError::Prefix));
        assert_eq!(Pat::parse(&good[..good.len() - 1]), Err(PatError::Length));
        assert_eq!(Pat::parse(&format!("{good}0")), Err(PatError::Length));
        assert_eq!(Pat::parse(&format!(" {good}")), Err(PatError::Prefix));
        let mut bad = good.clone().into_bytes();
        bad[10] = b'-';
        assert_eq!(Pat::parse(std::str::from_utf8(&bad).unwrap()), Err(PatError::Character));
        // One changed body character: the checksum catches it.
        let mut typo = good.clone().into_bytes();
        typo[10] = if typo[10] == b'a' { b'b' } else { b'a' };
        assert_eq!(Pat::parse(std::str::from_utf8(&typo).unwrap()), Err(PatError::Checksum));
        // A multi-byte character where a body character belongs is refused, not a panic.
        let odd = format!("{PREFIX}é{}", &good[PREFIX.len() + 2..]);
        assert!(Pat::parse(&odd).is_err());
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let pat = Pat::from_body(BODY).unwrap();
        assert!(!format!("{pat:?}").contains(BODY));
    }

    #[test]
    fn the_scanner_finds_real_pats_and_skips_corrupted_and_look_alikes() {
        let real1 = Pat::from_body(BODY).unwrap().expose().to_owned();
        let real2 = Pat::from_body(&BODY.chars().rev().collect::<String>())
            .unwrap()
            .expose()
            .to_owned();
        let mut corrupted = real1.clone().into_bytes();
        corrupted[20] = if corrupted[20] == b'Z' { b'Y' } else { b'Z' };
        let corrupted = String::from_utf8(corrupted).unwrap();
        let truncated = &real2[..real2.len() - 2];
        let glued = format!("x{real1}"); // part of a longer word
        let longer = format!("{real2}Q"); // a look-alike one character too long
        let github = format!("ghp_{}", &BODY[..36]);
        let blob = format!(
            "export TOKEN={real1}\n# old: {corrupted}\nurl=https://u:{real2}@host/x \
             partial {truncated} end\n{glued} {longer} {github} gthpat_ gthpat_short\nlast:{real1}"
        );
        let matches = find_pats(&blob);
        let found: Vec<&str> = matches.iter().map(|m| m.pat.expose()).collect();
        assert_eq!(found, vec![real1.as_str(), real2.as_str(), real1.as_str()]);
        for m in find_pats(&blob) {
            assert_eq!(&blob[m.start..m.end], m.pat.expose());
        }
    }

    #[test]
    fn the_scanner_survives_non_ascii_text() {
        let real = Pat::from_body(BODY).unwrap().expose().to_owned();
        let blob = format!("ünïcödé gthpat_é {real}—ok");
        assert_eq!(find_pats(&blob).len(), 1);
        assert!(find_pats("gthpat_ééééééééééééééééééééééééééééééé").is_empty());
    }
}
