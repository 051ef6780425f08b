//! Writing the JSON of the hottest answers by hand, byte for byte as `serde_json` writes them.
//!
//! A token answer is mostly one long string, the token, which is base64url and dots by
//! construction. `serde_json` checks its every byte against an escape table and grows its
//! buffer as it goes; that took more instructions than anything else on the token path but the
//! signature. Here the buffer is sized once, and a string is checked sixteen bytes at a time
//! (a loop the compiler vectorizes) before it is copied whole. A string that does need escaping
//! goes through `serde_json`, so the output is always what `serde_json` would write.

/// A JSON object being written into a buffer; keys are the caller's literals, written as given.
pub(crate) struct Object {
    out: Vec<u8>,
    first: bool,
}

impl Object {
    /// An object whose members will take about `capacity` bytes.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        let mut out = Vec::with_capacity(capacity + 2);
        out.push(b'{');
        Self { out, first: true }
    }

    fn key(&mut self, key: &'static str) {
        debug_assert!(!needs_escape(key.as_bytes()), "keys are plain literals");
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.push(b'"');
        self.out.extend_from_slice(key.as_bytes());
        self.out.extend_from_slice(b"\":");
    }

    pub(crate) fn str(&mut self, key: &'static str, value: &str) {
        self.key(key);
        push_str(&mut self.out, value);
    }

    /// A member only when there is a value (`skip_serializing_if = "Option::is_none"`).
    pub(crate) fn opt_str(&mut self, key: &'static str, value: Option<&str>) {
        if let Some(value) = value {
            self.str(key, value);
        }
    }

    pub(crate) fn u64(&mut self, key: &'static str, value: u64) {
        self.key(key);
        self.out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
    }

    pub(crate) fn finish(mut self) -> Vec<u8> {
        self.out.push(b'}');
        self.out
    }
}

/// Appends `s` as a JSON string, quoted and escaped exactly as `serde_json` does.
fn push_str(out: &mut Vec<u8>, s: &str) {
    if needs_escape(s.as_bytes()) {
        serde_json::to_writer(&mut *out, s).expect("writing into a Vec cannot fail");
    } else {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    }
}

/// Whether JSON needs an escape for any byte: a quote, a backslash or a control character (the
/// set `serde_json` escapes; it writes every other byte of UTF-8 text as it is).
fn needs_escape(bytes: &[u8]) -> bool {
    let special = |b: u8| (b < 0x20) | (b == b'"') | (b == b'\\');
    let mut chunks = bytes.chunks_exact(16);
    for chunk in &mut chunks {
        // No early exit inside a chunk, so the sixteen tests become a few vector instructions.
        if chunk.iter().fold(false, |any, &b| any | special(b)) {
            return true;
        }
    }
    chunks.remainder().iter().any(|&b| special(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    const AWKWARD: [&str; 9] = [
        "",
        "plain.base64url-_text",
        "a \"quoted\" word",
        "back\\slash",
        "line\nbreak\ttab\rreturn",
        "\u{0}\u{1}\u{1f} controls",
        "\u{7f} delete is not escaped",
        "ünïcödé and 😀 pass through",
        "exactly sixteen!then a \" after the first chunk",
    ];

    #[test]
    fn strings_are_written_as_serde_json_writes_them() {
        for s in AWKWARD {
            let mut out = Vec::new();
            push_str(&mut out, s);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(s).unwrap(),
                "{s:?}"
            );
        }
        // Every position of a special byte, in and after the vectorized chunks.
        for len in 0..40 {
            for at in 0..len {
                for special in ['"', '\\', '\n', '\u{1}'] {
                    let s: String = (0..len).map(|i| if i == at { special } else { 'x' }).collect();
                    assert!(needs_escape(s.as_bytes()), "{s:?}");
                    let mut out = Vec::new();
                    push_str(&mut out, &s);
                    assert_eq!(out, serde_json::to_vec(&s).unwrap());
                }
            }
            assert!(!needs_escape("y".repeat(len).as_bytes()));
        }
    }

    #[test]
    fn an_object_is_written_as_serde_json_writes_a_struct() {
        let mut o = Object::with_capacity(8);
        // (json! sorts its keys: they are written here in that order.)
        o.str("a", AWKWARD[2]);
        o.opt_str("b", Some(AWKWARD[5]));
        o.opt_str("m", None);
        o.u64("n", u64::MAX);
        let expected = serde_json::json!({"a": AWKWARD[2], "n": u64::MAX, "b": AWKWARD[5]});
        assert_eq!(o.finish(), serde_json::to_vec(&expected).unwrap());
        assert_eq!(Object::with_capacity(0).finish(), b"{}");
    }
}
