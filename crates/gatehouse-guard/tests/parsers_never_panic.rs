//! Seeded garbage and mutated tokens fed to the public parsers and to a whole guard: no panic,
//! and no mutated token is ever accepted. (The cargo-fuzz targets in `fuzz/` go further.)

mod common;

use common::*;
use gatehouse_guard::jwt::parse_unverified;
use gatehouse_guard::parse_authorization;
use http::StatusCode;

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \t\"{}:,\x00\xff";

fn garbage(rng: &mut Rng) -> Vec<u8> {
    let len = rng.below(300);
    (0..len)
        .map(|_| {
            if rng.below(4) == 0 {
                rng.next() as u8
            } else {
                ALPHABET[rng.below(ALPHABET.len())]
            }
        })
        .collect()
}

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..=rng.below(3) {
        if out.is_empty() {
            break;
        }
        let i = rng.below(out.len());
        match rng.below(4) {
            0 => {
                let old = out[i];
                let mut new = ALPHABET[rng.below(ALPHABET.len())];
                if new == old {
                    new = if old == b'A' { b'B' } else { b'A' };
                }
                out[i] = new;
            }
            1 => {
                out.remove(i);
            }
            2 => out.insert(i, ALPHABET[rng.below(ALPHABET.len())]),
            _ => out.truncate(i),
        }
    }
    out
}

#[test]
fn parsers_survive_seeded_garbage() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let sample = b"Bearer eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJpc3MiOiJ4IiwiZXhwIjoxfQ.c2ln";
    for round in 0..50_000 {
        let input = if round % 2 == 0 {
            garbage(&mut rng)
        } else {
            mutate(&mut rng, sample)
        };
        let _ = parse_authorization(&input);
        let text = String::from_utf8_lossy(&input);
        let _ = parse_unverified(&text);
        if let Some(rest) = text.strip_prefix("Bearer ") {
            let _ = parse_unverified(rest);
        }
    }
}

#[tokio::test]
async fn mutated_tokens_are_never_accepted() {
    let s = Setup::new().await;
    let token = s.token();
    assert_eq!(s.get_bearer("/me", &token).await.status, StatusCode::OK);
    let mut rng = Rng(42);
    let mut tried = 0;
    for _ in 0..400 {
        let mutated = mutate(&mut rng, token.as_bytes());
        if mutated == token.as_bytes() {
            continue;
        }
        let Ok(value) = http::HeaderValue::from_bytes(&[b"Bearer ".as_slice(), &mutated].concat()) else {
            continue;
        };
        let request = http::Request::builder()
            .uri("/me")
            .header("authorization", value)
            .body(axum::body::Body::empty())
            .unwrap();
        let a = call_request(&s.router, request).await;
        tried += 1;
        assert!(
            a.status == StatusCode::UNAUTHORIZED || a.status == StatusCode::BAD_REQUEST,
            "mutated token got {}: {}",
            a.status,
            String::from_utf8_lossy(&mutated)
        );
    }
    assert!(tried > 300);
}
