//! `--output json|tsv|table` for the client verbs, printed as az (knack) prints: JSON with sorted
//! keys, TSV with one line per object and its values in key order (a nested object is empty, a
//! list its length).
//!
//! The flag has the id of the global `--output` (json|table, global.rs), so `-o json` and
//! `-o table` also work before the verb; `tsv` only after it. Its value is read raw, so the
//! global's value reaches the verb whatever type the global parses it to.

use clap::builder::PossibleValuesParser;
use clap::{Arg, ArgMatches, Args, Command, FromArgMatches};
use serde_json::Value;

use crate::output::{print, Output};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Json,
    Tsv,
    Table,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct OutputArg(pub Format);

impl Args for OutputArg {
    fn augment_args(cmd: Command) -> Command {
        cmd.arg(
            Arg::new("output")
                .long("output")
                .short('o')
                .value_name("FORMAT")
                .value_parser(PossibleValuesParser::new(["json", "tsv", "table"]))
                .help("How to print: json (default), tsv or table, as az"),
        )
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}

impl FromArgMatches for OutputArg {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        let raw = m
            .try_get_raw("output")
            .ok()
            .flatten()
            .and_then(|mut v| v.next())
            .and_then(|v| v.to_str())
            .map(str::to_ascii_lowercase);
        Ok(Self(match raw.as_deref() {
            Some("tsv") => Format::Tsv,
            Some("table") => Format::Table,
            _ => Format::Json,
        }))
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
}

impl OutputArg {
    pub fn print(self, value: &Value, columns: &[&str]) {
        match self.0 {
            Format::Json => println!("{}", serde_json::to_string_pretty(&sorted(value)).unwrap_or_default()),
            Format::Tsv => print!("{}", tsv(value)),
            Format::Table => print(Output::Table, value, columns),
        }
    }
}

/// The value with every object's keys in order (whatever map serde_json was built with).
fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Value::Object(keys.into_iter().map(|k| (k.clone(), sorted(&map[k]))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// knack's TSV: a list is one row per item; an object's values by sorted key.
pub fn tsv(value: &Value) -> String {
    let rows: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = match row {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                keys.into_iter().map(|k| cell(&map[k])).collect()
            }
            Value::Array(items) => items.iter().map(cell).collect(),
            Value::Bool(b) => vec![b.to_string()],
            other => vec![cell(other)],
        };
        out.push_str(&cells.join("\t"));
        out.push('\n');
    }
    out
}

fn cell(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.len().to_string(),
        Value::Object(_) => String::new(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Null => "None".into(),
        Value::Number(n) => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn tsv_is_knacks() {
        let token = json!({"tokenType": "Bearer", "tenant": "t", "subscription": "s", "expires_on": 17,
                           "expiresOn": "2026-01-01 00:00:00.000000", "accessToken": "a.b.c"});
        assert_eq!(tsv(&token), "a.b.c\t2026-01-01 00:00:00.000000\t17\ts\tt\tBearer\n");
        let list = json!([{"b": true, "a": [1, 2], "c": {"x": 1}}, {"b": false, "a": [], "c": null}]);
        assert_eq!(tsv(&list), "2\tTrue\t\n0\tFalse\tNone\n");
    }
}
