//! `moat plan` warns when the egress gateway image is a tag, and not when it is a digest.

use moat_synth::{plan_with, synth, PlanOptions, TemplateFormat};
use std::path::Path;

fn example() -> moat_spec::Spec {
    moat_spec::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/controlled-egress"))
        .unwrap()
}

#[test]
fn tag_warns_digest_does_not() {
    let p = plan_with(&example(), &PlanOptions::default()).unwrap();
    assert!(
        p.notes.iter().any(|n| n.contains("referenced by tag")),
        "{:#?}",
        p.notes
    );
    let mut spec = example();
    let digest = format!(
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/moat-gate@sha256:{}",
        "0123456789abcdef".repeat(4)
    );
    spec.egress.as_mut().unwrap().image = Some(digest.clone());
    let p = plan_with(&spec, &PlanOptions::default()).unwrap();
    assert!(!p.notes.iter().any(|n| n.contains("referenced by tag")));
    // The template runs exactly that image.
    assert!(synth(&p, TemplateFormat::Yaml).contains(&digest));
}
