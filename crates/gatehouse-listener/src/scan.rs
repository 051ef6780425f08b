//! Byte-level observations of what a client sends, cheap enough to run on every read before
//! hyper parses it: which protocol the connection speaks (the HTTP/2 preface, compared the way
//! hyper-util's `auto::Builder` compares it), when the HTTP/2 preface and first SETTINGS frame
//! are complete, and whether an HTTP/1.1 head carries both `Content-Length` and
//! `Transfer-Encoding` (which hyper resolves silently in favour of `Transfer-Encoding`).

/// The connection preface of HTTP/2 (RFC 9113 §3.4).
pub(crate) const H2_PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
/// Frame header length; SETTINGS is type 4.
const FRAME_HEADER: usize = 9;

/// The protocol, decided by the first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Proto {
    /// So many bytes matched the HTTP/2 preface.
    Sniffing(usize),
    H1,
    H2,
}

impl Proto {
    /// Advances with the next bytes of the connection.
    pub(crate) fn feed(self, bytes: &[u8]) -> Proto {
        let Proto::Sniffing(matched) = self else {
            return self;
        };
        let want = &H2_PREFACE[matched..];
        let n = want.len().min(bytes.len());
        if bytes[..n] != want[..n] {
            Proto::H1
        } else if matched + n == H2_PREFACE.len() {
            Proto::H2
        } else {
            Proto::Sniffing(matched + n)
        }
    }
}

/// Progress through the HTTP/2 preface and the first frame (which must be SETTINGS; if it is
/// not, hyper ends the connection itself).
#[derive(Debug, Default)]
pub(crate) struct Preface {
    seen: usize,
    header: [u8; FRAME_HEADER],
    needed: Option<usize>,
}

impl Preface {
    /// Counts the next bytes of the connection; true once the first frame is complete.
    pub(crate) fn feed(&mut self, bytes: &[u8]) -> bool {
        let start = H2_PREFACE.len();
        let mut rest = bytes;
        let needed = loop {
            if let Some(needed) = self.needed {
                break needed;
            }
            let Some((&b, tail)) = rest.split_first() else {
                return false;
            };
            rest = tail;
            if self.seen >= start {
                self.header[self.seen - start] = b;
            }
            self.seen += 1;
            if self.seen == start + FRAME_HEADER {
                let len = u32::from_be_bytes([0, self.header[0], self.header[1], self.header[2]]);
                self.needed = Some(start + FRAME_HEADER + len as usize);
            }
        };
        // The payload is only counted: a declared length can be large.
        self.seen = self.seen.saturating_add(rest.len());
        self.seen >= needed
    }
}

/// What the scan of one HTTP/1.1 head found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Framing {
    /// Both `Content-Length` and `Transfer-Encoding` were present.
    pub(crate) conflicting: bool,
}

/// Follows an HTTP/1.1 head line by line, looking only at header names, until the empty line
/// that ends it. Bytes after the end are not looked at (they are body, or a pipelined request).
#[derive(Debug)]
pub(crate) struct HeadScan {
    name: [u8; 20],
    name_len: usize,
    /// Still reading the name of the current line (no ':' yet, short enough to matter).
    in_name: bool,
    /// Nothing but `\r` on the current line so far.
    line_empty: bool,
    /// The request line has been passed.
    past_request_line: bool,
    done: bool,
    content_length: bool,
    transfer_encoding: bool,
}

impl Default for HeadScan {
    fn default() -> Self {
        Self {
            name: [0; 20],
            name_len: 0,
            in_name: true,
            line_empty: true,
            past_request_line: false,
            done: false,
            content_length: false,
            transfer_encoding: false,
        }
    }
}

impl HeadScan {
    /// Follows the head through `bytes`. Runs of bytes that cannot end a name or a line are
    /// jumped over with `memchr` (a header value, the request line, the middle of a name).
    pub(crate) fn feed(&mut self, bytes: &[u8]) {
        let mut rest = bytes;
        while !self.done {
            if !self.in_name {
                // Past a header's name the rest of its line does not matter.
                let Some(at) = memchr::memchr(b'\n', rest) else {
                    return;
                };
                rest = &rest[at + 1..];
                self.end_line();
                continue;
            }
            let (run, stop) = match memchr::memchr2(b':', b'\n', rest) {
                Some(at) => (&rest[..at], Some(rest[at])),
                None => (rest, None),
            };
            match stop {
                None => {
                    self.name_bytes(run);
                    return;
                }
                Some(b'\n') => {
                    // A line without ':' (the request line, or junk hyper refuses): its
                    // characters do not matter, only whether it was empty.
                    if run.iter().any(|&b| b != b'\r') {
                        self.line_empty = false;
                    }
                    self.end_line();
                }
                Some(_) => {
                    // ':' ends the name, unless it was already too long to matter.
                    if self.name_len == 0 && memchr::memchr(b'\r', run).is_none() {
                        // The whole name is in this read: compare it where it is.
                        self.saw_name(run);
                    } else {
                        self.name_bytes(run);
                        if self.in_name {
                            let (name, len) = (self.name, self.name_len);
                            self.saw_name(&name[..len]);
                        }
                    }
                    self.line_empty = false;
                    self.in_name = false;
                }
            }
            rest = &rest[run.len() + 1..];
        }
    }

    /// A header name ended (by ':'), as sent: case does not matter.
    fn saw_name(&mut self, name: &[u8]) {
        if self.past_request_line {
            self.content_length |= name.eq_ignore_ascii_case(b"content-length");
            self.transfer_encoding |= name.eq_ignore_ascii_case(b"transfer-encoding");
        }
    }

    /// Bytes of a name split across reads: kept while the name is short enough to matter; `\r`
    /// is not part of it.
    fn name_bytes(&mut self, run: &[u8]) {
        for &b in run {
            if b == b'\r' {
                continue;
            }
            self.line_empty = false;
            if self.name_len < self.name.len() {
                self.name[self.name_len] = b;
                self.name_len += 1;
            } else {
                // Longer than any name we look for: the rest of the line is skipped.
                self.in_name = false;
                return;
            }
        }
    }

    fn end_line(&mut self) {
        if self.line_empty {
            // Empty lines before the request line are skipped (as hyper does).
            self.done = self.past_request_line;
        } else {
            self.past_request_line = true;
        }
        self.line_empty = true;
        self.in_name = true;
        self.name_len = 0;
    }

    pub(crate) fn framing(&self) -> Framing {
        Framing {
            conflicting: self.content_length && self.transfer_encoding,
        }
    }
}

/// The status code of an HTTP/1.x response head at the start of `buf`.
pub(crate) fn response_status(buf: &[u8]) -> Option<u16> {
    if buf.len() < 13 || !buf.starts_with(b"HTTP/1.") || buf[8] != b' ' || buf[12] != b' ' {
        return None;
    }
    let digits = &buf[9..12];
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(parts: &[&[u8]]) -> HeadScan {
        let mut s = HeadScan::default();
        for p in parts {
            s.feed(p);
        }
        s
    }

    #[test]
    fn content_length_with_transfer_encoding_is_seen_across_reads_and_cases() {
        let s = scan(&[
            b"POST /t HTTP/1.1\r\nHost: x\r\nContent-Len",
            b"gth: 5\r\nTRANSFER-encoding: chunked\r\n\r\n",
        ]);
        assert!(s.done);
        assert!(s.framing().conflicting);
        let s = scan(&[b"\r\nPOST /t HTTP/1.1\r\ncontent-length: 5\r\n\r\n"]);
        assert!(s.done);
        assert!(!s.framing().conflicting);
    }

    #[test]
    fn header_values_body_bytes_and_the_request_line_do_not_count() {
        // A value that looks like a name, a long name, and a body that looks like a header.
        let s = scan(&[
            b"GET http://transfer-encoding:80/ HTTP/1.1\r\nX: content-length: 1\r\n",
            b"X-Very-Long-Header-Name-Content-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\nContent-Length: 3\r\n",
        ]);
        assert!(s.done);
        assert!(!s.framing().conflicting);
    }

    #[test]
    fn every_split_of_a_head_scans_like_the_whole_head() {
        let heads: [&[u8]; 5] = [
            b"POST /t HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\nbody",
            b"\r\nPOST http://a:1/ HTTP/1.1\r\nCONTENT-LENGTH: 1\r\nX-Transfer-Encoding: x\r\n\r\n",
            b"GET / HTTP/1.1\nTransfer-Encoding: chunked\ncontent-length:1\n\n",
            b"GET / HTTP/1.1\r\nA-Very-Long-Header-Name-Here: 1\r\nContent-Length: 2\r\n\r\nTransfer-Encoding: y\r\n",
            b"PUT / HTTP/1.1\r\nContent-Len\rgth: 2\r\ntransfer-encoding: chunked\r\n\r\n",
        ];
        for head in heads {
            let whole = scan(&[head]);
            for at in 0..=head.len() {
                let split = scan(&[&head[..at], &head[at..]]);
                assert_eq!(
                    split.done,
                    whole.done,
                    "split at {at} of {:?}",
                    String::from_utf8_lossy(head)
                );
                assert_eq!(split.framing(), whole.framing(), "split at {at}");
            }
            let bytewise: Vec<&[u8]> = head.chunks(1).collect();
            assert_eq!(scan(&bytewise).framing(), whole.framing());
        }
        assert!(scan(&[heads[0]]).framing().conflicting);
        assert!(!scan(&[heads[1]]).framing().conflicting);
        assert!(scan(&[heads[2]]).framing().conflicting);
        assert!(!scan(&[heads[3]]).framing().conflicting, "the second header is body");
        assert!(
            scan(&[heads[4]]).framing().conflicting,
            "a \\r inside a name is not part of it"
        );
    }

    #[test]
    fn the_protocol_is_decided_like_hyper_util_decides_it() {
        assert_eq!(Proto::Sniffing(0).feed(b"GET / HTTP/1.1\r\n"), Proto::H1);
        let p = Proto::Sniffing(0).feed(b"PRI * HT");
        assert_eq!(p, Proto::Sniffing(8));
        assert_eq!(p.feed(b"TP/2.0\r\n\r\nSM\r\n\r\n\0\0"), Proto::H2);
        assert_eq!(Proto::Sniffing(0).feed(b"PRI / HTTP/1.1"), Proto::H1);
    }

    #[test]
    fn the_preface_is_complete_with_its_first_frame() {
        let mut p = Preface::default();
        assert!(!p.feed(H2_PREFACE));
        // SETTINGS with one 6-byte setting, sent in pieces.
        assert!(!p.feed(&[0, 0, 6, 4, 0, 0, 0]));
        assert!(!p.feed(&[0, 0, 0, 3, 0, 0]));
        assert!(p.feed(&[0, 100, 0xaa]));
        let mut empty = Preface::default();
        let mut all = H2_PREFACE.to_vec();
        all.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 0, 0]);
        assert!(empty.feed(&all));
    }

    #[test]
    fn response_status_reads_hypers_automatic_answers() {
        assert_eq!(
            response_status(b"HTTP/1.1 431 Request Header Fields Too Large\r\n"),
            Some(431)
        );
        assert_eq!(response_status(b"HTTP/1.0 400 Bad Request\r\n"), Some(400));
        assert_eq!(response_status(b"{\"HTTP/1.1 400 \"}"), None);
        assert_eq!(response_status(b"HTTP/1.1 4x0 Bad\r\n"), None);
    }
}
