//! `--output json|table` for every verb.

use clap::ValueEnum;
use serde_json::Value;

#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum Output {
    Json,
    #[default]
    Table,
}

/// Prints a value: JSON as is; a table of `columns` for a list; `key: value` lines for an object.
pub fn print(output: Output, value: &Value, columns: &[&str]) {
    match output {
        Output::Json => println!("{}", serde_json::to_string_pretty(value).unwrap_or_default()),
        Output::Table => match value {
            Value::Array(items) => print_table(items, columns),
            Value::Object(map) => {
                let width = map.keys().map(|k| k.len()).max().unwrap_or(0);
                for (k, v) in map {
                    println!("{k:width$}  {}", cell(v));
                }
            }
            other => println!("{}", cell(other)),
        },
    }
}

fn cell(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Array(a) => a.iter().map(cell).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

fn print_table(items: &[Value], columns: &[&str]) {
    if items.is_empty() {
        println!("(none)");
        return;
    }
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|item| {
            columns
                .iter()
                .map(|c| cell(item.get(*c).unwrap_or(&Value::Null)))
                .collect()
        })
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| rows.iter().map(|r| r[i].len()).max().unwrap_or(0).max(c.len()))
        .collect();
    let line = |cells: Vec<String>| {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:w$}", w = widths[i]))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    println!("{}", line(columns.iter().map(|c| (*c).to_owned()).collect()));
    println!("{}", line(widths.iter().map(|w| "-".repeat(*w)).collect()));
    for r in rows {
        println!("{}", line(r));
    }
}
