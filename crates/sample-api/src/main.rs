//! `sample-api --issuer URL --audience AUD [--audience AUD2] [--ca-file PEM] [--listen ADDR]`

use std::net::SocketAddr;
use std::process::ExitCode;

use gatehouse_guard::{Guard, GuardConfig};

const USAGE: &str = "usage: sample-api --issuer URL --audience AUD [--audience AUD]... \
[--ca-file PEM] [--listen ADDR] [--tenant-header]";

struct Args {
    issuers: Vec<String>,
    audiences: Vec<String>,
    ca_file: Option<String>,
    listen: SocketAddr,
    tenant_header: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        issuers: Vec::new(),
        audiences: Vec::new(),
        ca_file: None,
        listen: SocketAddr::from(([127, 0, 0, 1], 8081)),
        tenant_header: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--issuer" => args.issuers.push(value()?),
            "--audience" => args.audiences.push(value()?),
            "--ca-file" => args.ca_file = Some(value()?),
            "--listen" => args.listen = value()?.parse().map_err(|e| format!("--listen: {e}"))?,
            "--tenant-header" => args.tenant_header = true,
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    if args.issuers.is_empty() || args.audiences.is_empty() {
        return Err(USAGE.to_string());
    }
    Ok(args)
}

async fn run(args: Args) -> Result<(), String> {
    let mut config = GuardConfig::builder().tenant_header(args.tenant_header);
    for issuer in args.issuers {
        config = config.issuer(issuer);
    }
    for audience in args.audiences {
        config = config.audience(audience);
    }
    if let Some(path) = &args.ca_file {
        let pem = std::fs::read(path).map_err(|e| format!("--ca-file {path}: {e}"))?;
        config = config.ca_pem(pem);
    }
    let config = config.build().map_err(|e| e.to_string())?;
    let guard = Guard::new(config).map_err(|e| e.to_string())?;
    for (issuer, why) in guard.refresh_keys().await {
        eprintln!("warning: keys of {issuer} not loaded yet: {why}");
    }
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    println!("listening on http://{addr}");
    axum::serve(listener, sample_api::app(&guard))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| e.to_string())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
