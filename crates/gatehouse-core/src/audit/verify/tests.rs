use super::*;
use crate::audit::entry_hash;
use crate::model::{Actor, ActorKind};

fn chain(n: i64) -> Vec<AuditEntry> {
    let mut prev = [0; 32];
    (1..=n)
        .map(|seq| {
            let mut e = AuditEntry {
                seq,
                at_ms: 1_700_000_000_000 + seq,
                tenant_id: "t".into(),
                actor: Actor::new(ActorKind::Operator, "root", "root@host"),
                action: "user.create".into(),
                target_kind: "user".into(),
                target_id: format!("u{seq}"),
                target_name: format!("user {seq}"),
                result: "success".into(),
                prev_hash: prev,
                hash: [0; 32],
            };
            e.hash = entry_hash(&e);
            prev = e.hash;
            e
        })
        .collect()
}

fn head(c: &[AuditEntry]) -> (i64, [u8; 32]) {
    c.last().map(|e| (e.seq, e.hash)).unwrap_or((0, [0; 32]))
}

#[test]
fn a_clean_chain_verifies() {
    let c = chain(5);
    let (s, h) = head(&c);
    assert_eq!(verify(&c, s, h), Verified::Intact { entries: 5, head: h });
    assert_eq!(
        verify(&[], 0, [0; 32]),
        Verified::Intact {
            entries: 0,
            head: [0; 32]
        }
    );
}

#[test]
fn an_edited_entry_is_named() {
    let mut c = chain(5);
    let (s, h) = head(&c);
    c[2].target_name = "someone else".into();
    assert_eq!(verify(&c, s, h), Verified::Broken(Break::Altered { seq: 3 }));
}

#[test]
fn an_edited_entry_with_a_recomputed_hash_breaks_the_next_link() {
    let mut c = chain(5);
    let (s, h) = head(&c);
    c[1].actor.name = "innocent".into();
    c[1].hash = entry_hash(&c[1]);
    assert_eq!(verify(&c, s, h), Verified::Broken(Break::Unlinked { seq: 3 }));
}

#[test]
fn a_deleted_entry_is_named() {
    let mut c = chain(5);
    let (s, h) = head(&c);
    c.remove(1);
    assert_eq!(verify(&c, s, h), Verified::Broken(Break::Missing { from: 2, to: 2 }));
}

#[test]
fn deleted_newest_entries_are_found_through_the_head() {
    let mut c = chain(5);
    let (s, h) = head(&c);
    c.truncate(3);
    let b = verify(&c, s, h);
    assert_eq!(
        b,
        Verified::Broken(Break::Truncated {
            last_seq: 3,
            head_seq: 5
        })
    );
}

#[test]
fn reordered_entries_are_named() {
    let mut c = chain(5);
    let (s, h) = head(&c);
    // Swap the numbers of entries 2 and 3, as an UPDATE of seq would.
    c.swap(1, 2);
    c[1].seq = 2;
    c[2].seq = 3;
    assert_eq!(verify(&c, s, h), Verified::Broken(Break::Altered { seq: 2 }));
}

#[test]
fn an_inserted_entry_is_named() {
    let c = chain(5);
    let (s, h) = head(&c);
    // A forged entry appended with a correct hash is past the recorded head.
    let forged = chain(6);
    assert_eq!(forged[..5], c[..]);
    assert_eq!(
        verify(&forged, s, h),
        Verified::Broken(Break::PastHead { seq: 6, head_seq: 5 })
    );
    // One spliced in the middle (renumbering what follows) breaks the link after it.
    let mut spliced = c.clone();
    let mut extra = c[1].clone();
    extra.target_id = "forged".into();
    extra.seq = 3;
    extra.prev_hash = c[1].hash;
    extra.hash = entry_hash(&extra);
    spliced.insert(2, extra);
    for (i, e) in spliced.iter_mut().enumerate().skip(3) {
        e.seq = i as i64 + 1;
    }
    assert_eq!(verify(&spliced, s, h), Verified::Broken(Break::Altered { seq: 4 }));
}

#[test]
fn a_replaced_last_entry_is_found_through_the_head() {
    let mut c = chain(3);
    let (s, h) = head(&c);
    c[2].target_id = "other".into();
    c[2].hash = entry_hash(&c[2]);
    assert_eq!(verify(&c, s, h), Verified::Broken(Break::HeadMismatch { seq: 3 }));
}

#[test]
fn every_break_names_an_entry_in_its_message() {
    let b = Break::Missing { from: 7, to: 9 };
    assert_eq!(b.seq(), 7);
    assert!(b.to_string().contains("7 to 9"), "{b}");
    assert!(Break::Altered { seq: 4 }.to_string().contains("entry 4"));
}
