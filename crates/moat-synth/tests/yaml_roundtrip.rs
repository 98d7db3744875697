//! The YAML emitter's output, read back by an independent YAML parser (short-form tags turned
//! into their `Fn::` forms), equals the JSON template: quoting, nesting and tags are right.

mod common;

use common::plan;
use moat_synth::{synth, TemplateFormat};
use serde_json::{json, Map, Value};
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::TScalarStyle;

fn events(src: &str) -> Vec<Event> {
    let mut p = Parser::new_from_str(src);
    let mut out = Vec::new();
    loop {
        let (ev, _) = p.next_token().expect("emitted YAML parses");
        if ev == Event::StreamEnd {
            return out;
        }
        out.push(ev);
    }
}

/// Applies a short-form tag (`!Ref`, `!GetAtt A.B`, `!Sub`, …) to a value.
fn tagged(tag: Option<yaml_rust2::parser::Tag>, v: Value) -> Value {
    let Some(t) = tag else { return v };
    assert_eq!(t.handle, "!", "only short-form intrinsic tags are emitted");
    match t.suffix.as_str() {
        "Ref" => json!({ "Ref": v }),
        "GetAtt" => match v {
            Value::String(s) => {
                let (a, b) = s.split_once('.').expect("!GetAtt Resource.Attribute");
                json!({ "Fn::GetAtt": [a, b] })
            }
            other => json!({ "Fn::GetAtt": other }),
        },
        other => json!({ format!("Fn::{other}"): v }),
    }
}

/// Plain scalars get YAML's core-schema types; quoted ones stay strings.
fn scalar(s: String, style: TScalarStyle) -> Value {
    if style != TScalarStyle::Plain {
        return Value::String(s);
    }
    match s.as_str() {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => match s.parse::<i64>() {
            Ok(i) => Value::from(i),
            Err(_) => Value::String(s),
        },
    }
}

fn value(evs: &mut std::vec::IntoIter<Event>) -> Value {
    match evs.next().expect("a value") {
        Event::Scalar(s, style, _, tag) => tagged(tag, scalar(s, style)),
        Event::SequenceStart(_, tag) => {
            let mut items = Vec::new();
            loop {
                if evs.as_slice().first() == Some(&Event::SequenceEnd) {
                    evs.next();
                    break;
                }
                items.push(value(evs));
            }
            tagged(tag, Value::Array(items))
        }
        Event::MappingStart(_, tag) => {
            let mut m = Map::new();
            loop {
                if evs.as_slice().first() == Some(&Event::MappingEnd) {
                    evs.next();
                    break;
                }
                let Value::String(k) = value(evs) else {
                    panic!("non-string key")
                };
                let v = value(evs);
                assert!(m.insert(k.clone(), v).is_none(), "duplicate key {k}");
            }
            tagged(tag, Value::Object(m))
        }
        other => panic!("unexpected event {other:?}"),
    }
}

fn yaml_to_json(src: &str) -> Value {
    let mut evs = events(src).into_iter();
    assert_eq!(evs.next(), Some(Event::StreamStart));
    assert_eq!(evs.next(), Some(Event::DocumentStart));
    value(&mut evs)
}

#[test]
fn yaml_means_what_json_says() {
    let mut plans = vec![
        plan(&common::isolated()).unwrap(),
        plan(&common::full()).unwrap(),
    ];
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut dirs: Vec<_> = std::fs::read_dir(&examples)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|d| d.join("moat.toml").is_file())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    for d in dirs {
        let (spec, extras) = moat_spec::load_with_extras(&d).unwrap();
        plans.push(
            moat_synth::plan_with(&spec, &moat_synth::PlanOptions::from_extras(&extras)).unwrap(),
        );
    }
    assert!(plans.len() >= 6, "examples missing");
    for p in plans {
        let from_yaml = yaml_to_json(&synth(&p, TemplateFormat::Yaml));
        let from_json: Value = serde_json::from_str(&synth(&p, TemplateFormat::Json)).unwrap();
        assert_eq!(from_yaml, from_json, "{}", p.name);
    }
}

/// The reader itself tells a quoted `"true"` from a plain `true`, and reads short-form tags.
#[test]
fn reader_distinguishes_quoted_and_tagged() {
    let v = yaml_to_json("A: \"true\"\nB: true\nC: \"8\"\nD: 8\nE: !GetAtt R.Arn\nF: !Select\n  - 0\n  - !GetAZs \"\"\n");
    assert_eq!(
        v,
        json!({"A": "true", "B": true, "C": "8", "D": 8, "E": {"Fn::GetAtt": ["R", "Arn"]},
               "F": {"Fn::Select": [0, {"Fn::GetAZs": ""}]}})
    );
}
