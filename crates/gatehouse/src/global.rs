//! The flags that may stand before or after the verb: `--data-dir`, `--database-url`,
//! `--config` and `--output`/`-o`. Each verb that uses one declares it itself (`StoreArgs`,
//! `Output`); here the same ids are added to the top command as clap `global` arguments, so
//! `gatehouse --data-dir DIR user create ...` parses too: clap does not push a global into a
//! verb that already has an argument of that id, and it hands the value given before the verb to
//! the verb's own argument (a value on the command line wins over the environment or a default,
//! and after the verb wins over before it). A global given to a verb that does not take it (say
//! `gatehouse -o json serve`) is refused rather than ignored.

use std::path::PathBuf;

use clap::error::ErrorKind;
use clap::parser::ValueSource;
use clap::{Arg, ArgMatches, Command};

use crate::output::Output;

/// `(id, flag)` of every global flag; the ids are the field names in `StoreArgs` and the verbs.
const GLOBALS: &[(&str, &str)] = &[
    ("data_dir", "--data-dir"),
    ("database_url", "--database-url"),
    ("config", "--config"),
    ("output", "--output"),
];

/// The top command with the global flags added.
pub fn with_globals(cmd: Command) -> Command {
    cmd.next_help_heading("Global options (before or after the verb)")
        .arg(
            Arg::new("data_dir")
                .long("data-dir")
                .value_name("DIR")
                .global(true)
                .value_parser(clap::value_parser!(PathBuf))
                .help("Data folder: embedded database, key-encryption key, local TLS files"),
        )
        .arg(
            Arg::new("database_url")
                .long("database-url")
                .value_name("URL")
                .global(true)
                .value_parser(clap::value_parser!(String))
                .help("PostgreSQL URL (postgres://user@host/db); without it the embedded SQLite database is used"),
        )
        .arg(
            Arg::new("config")
                .long("config")
                .value_name("FILE")
                .global(true)
                .value_parser(clap::value_parser!(PathBuf))
                .help("TOML configuration file (see docs/CONFIGURATION.md)"),
        )
        .arg(
            Arg::new("output")
                .long("output")
                .short('o')
                .global(true)
                .value_parser(clap::value_parser!(Output))
                .help("How admin verbs print: json or table"),
        )
}

/// Exits with clap's usage error when a global flag was given on the command line to a verb
/// that does not take it. `cmd` is the command before parsing (its verbs' own arguments only).
pub fn refuse_where_unused(cmd: &Command, matches: &ArgMatches) {
    let mut leaf = cmd;
    let mut leaf_matches = matches;
    let mut path = vec![cmd.get_name().to_owned()];
    while let Some((name, sub)) = leaf_matches.subcommand() {
        let Some(next) = leaf.find_subcommand(name) else { break };
        path.push(name.to_owned());
        leaf = next;
        leaf_matches = sub;
    }
    for (id, flag) in GLOBALS {
        if leaf.get_arguments().any(|a| a.get_id() == id) {
            continue;
        }
        let given = std::iter::successors(Some(matches), |m| m.subcommand().map(|(_, s)| s))
            .any(|m| m.try_contains_id(id).unwrap_or(false) && m.value_source(id) == Some(ValueSource::CommandLine));
        if given {
            let mut leaf = leaf.clone();
            leaf.error(
                ErrorKind::ArgumentConflict,
                format!("{flag} does not apply to `{}`", path.join(" ")),
            )
            .exit();
        }
    }
}
