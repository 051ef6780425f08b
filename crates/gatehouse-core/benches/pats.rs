//! The database-free part of checking a presented PAT (strict parse with its CRC32 checksum,
//! SHA-256 of the text, the constant-time compare against a stored hash), the scope expansion
//! `check` returns, and the leak scanner over a 64 KiB text blob holding one PAT.
//! Run: cargo bench -p gatehouse-core --bench pats

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use gatehouse_core::pats::scopes;
use gatehouse_core::secret;
use gatehouse_protocol::pat::{find_pats, Pat, ALPHABET, BODY_LEN};

fn bench(c: &mut Criterion) {
    let pat = Pat::from_body(&secret::random_from(ALPHABET, BODY_LEN)).unwrap();
    let text = pat.expose().to_owned();
    let stored = secret::sha256(text.as_bytes());
    c.bench_function("pat_check_format_and_hash", |b| {
        b.iter(|| {
            let p = Pat::parse(std::hint::black_box(&text)).unwrap();
            let h = secret::sha256(p.expose().as_bytes());
            assert!(secret::hashes_equal(&h, &stored));
        })
    });
    let mut bad = text.clone().into_bytes();
    bad[20] = if bad[20] == b'a' { b'b' } else { b'a' };
    let bad = String::from_utf8(bad).unwrap();
    c.bench_function("pat_refuse_bad_checksum", |b| {
        b.iter(|| assert!(Pat::parse(std::hint::black_box(&bad)).is_err()))
    });
    let granted = vec![
        "vso.code_manage".to_owned(),
        "vso.work_write".to_owned(),
        "vso.build_execute".to_owned(),
    ];
    c.bench_function("pat_expand_scopes", |b| {
        b.iter(|| scopes::expand(std::hint::black_box(&granted)))
    });
    let mut blob = String::with_capacity(70_000);
    while blob.len() < 65_536 {
        blob.push_str("export SOME_VAR=value gthpat_notreal and ghp_1234567890 lorem ipsum dolor sit amet\n");
    }
    blob.push_str(&format!("TOKEN={text}\n"));
    let mut g = c.benchmark_group("pat_scan");
    g.throughput(Throughput::Bytes(blob.len() as u64));
    g.bench_function("find_pats_64KiB", |b| {
        b.iter(|| assert_eq!(find_pats(std::hint::black_box(&blob)).len(), 1))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
