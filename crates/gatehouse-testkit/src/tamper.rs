//! Editing a Gatehouse database behind Gatehouse's back, as an intruder with database access
//! would: for the tests that prove the audit chain finds it.

use sqlx::Connection;

/// Runs `statements` on the database at `url` (`sqlite://...` or `postgres://...`) after
/// lifting the audit log's append-only triggers, which an intruder with database access can do.
pub async fn run(url: &str, statements: &[&str]) {
    if url.starts_with("sqlite:") {
        let mut c = sqlx::SqliteConnection::connect(url).await.expect("open sqlite");
        for s in [
            "DROP TRIGGER IF EXISTS audit_log_no_update",
            "DROP TRIGGER IF EXISTS audit_log_no_delete",
        ]
        .iter()
        .chain(statements)
        {
            sqlx::query(s)
                .execute(&mut c)
                .await
                .unwrap_or_else(|e| panic!("{s}: {e}"));
        }
    } else {
        let mut c = sqlx::PgConnection::connect(url).await.expect("open postgres");
        for s in ["ALTER TABLE audit_log DISABLE TRIGGER USER"].iter().chain(statements) {
            sqlx::query(s)
                .execute(&mut c)
                .await
                .unwrap_or_else(|e| panic!("{s}: {e}"));
        }
    }
}

/// Runs `statement` with the triggers in place; returns the database's refusal, if any.
pub async fn try_run(url: &str, statement: &str) -> Result<u64, String> {
    let done = if url.starts_with("sqlite:") {
        let mut c = sqlx::SqliteConnection::connect(url).await.expect("open sqlite");
        sqlx::query(statement).execute(&mut c).await.map(|d| d.rows_affected())
    } else {
        let mut c = sqlx::PgConnection::connect(url).await.expect("open postgres");
        sqlx::query(statement).execute(&mut c).await.map(|d| d.rows_affected())
    };
    done.map_err(|e| e.to_string())
}
