//! Feed arbitrary bytes to the CloudFormation loader as YAML and as JSON: it must return
//! `Ok` or `Err`, never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let opts = moat_cfn::LoadOptions::default();
    let _ = moat_cfn::load_str("fuzz.yml", &text, &opts);
    let _ = moat_cfn::load_str("fuzz.json", &text, &opts);
});
