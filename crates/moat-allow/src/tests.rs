use super::*;
use alloc::vec;

fn refused(text: &str) -> String {
    match parse_entry(text) {
        Ok(e) => panic!("`{text}` was accepted as {e}"),
        Err(e) => e.0,
    }
}

#[test]
fn exact_wildcard_port_and_apex_rule() {
    let e = parse_entry("  API.Stripe.com. ").unwrap();
    assert_eq!(e.pattern, Pattern::Exact("api.stripe.com".into()));
    assert!(e.matches("api.stripe.com", 1) && !e.matches("x.api.stripe.com", 1));
    let w = parse_entry("*.example.org:8443").unwrap();
    assert_eq!(w.to_string(), "*.example.org:8443");
    assert!(w.matches("a.example.org", 8443) && w.matches("a.b.example.org", 8443));
    assert!(!w.matches("example.org", 8443), "the apex is not covered");
    assert!(!w.matches("badexample.org", 8443) && !w.matches("a.example.org", 443));
    assert_eq!(parse_entry("lic.test:443").unwrap().port, Some(443));
    // Wildcards under a registrable domain below a suffix are fine.
    for ok in [
        "*.example.co.uk",
        "*.user.github.io",
        "*.my-bucket.s3.amazonaws.com",
        "*.stripe.com",
    ] {
        assert!(parse_entry(ok).is_ok(), "{ok}");
    }
}

#[test]
fn wildcards_over_public_suffixes_at_or_below_the_base_are_refused() {
    for (text, needle) in [
        ("*.com", "`com` is a public suffix"),
        ("*.co.uk", "`co.uk` is a public suffix"),
        ("*.github.io", "`github.io` is a public suffix"),
        // Not suffixes themselves, but the PSL lists suffixes beneath them.
        ("*.amazonaws.com", "beneath `amazonaws.com`"),
        ("*.compute.amazonaws.com", "compute.amazonaws.com"),
        ("*.elb.amazonaws.com", "elb.amazonaws.com"),
        ("*.us-east-1.amazonaws.com", "public suffix"),
        ("*.x.compute.amazonaws.com", "is a public suffix"),
        ("*.corp", "top-level domain"),
    ] {
        let e = refused(text);
        assert!(e.contains(needle), "{text}: {e}");
    }
}

#[test]
fn numeric_host_forms_are_refused_as_names() {
    for text in [
        "2130706433",
        "0x7f000001",
        "0X7F000001",
        "127.1",
        "127.0.1",
        "0177.0.0.1",
        "10.0.0.1",
        "10.0.0.1:443",
        "a.123",
        "example.0x10",
        "[::1]:443",
        "::1",
        "*.10.0.0.1",
    ] {
        let e = refused(text);
        assert!(e.contains("IP address"), "{text}: {e}");
    }
}

#[test]
fn malformed_entries_are_refused() {
    for bad in [
        "a.*.test",
        "*",
        "host:0",
        "host:99999",
        "host:+1",
        "host:",
        "a b",
        "a..b",
        "-a.test",
        "https://x",
        "",
    ] {
        assert!(parse_entry(bad).is_err(), "{bad}");
    }
}

#[test]
fn classify_host_decodes_numeric_forms_as_a_resolver_does() {
    let v4 = |s: &str| Target::Ip(s.parse().unwrap());
    let cases = vec![
        ("127.1", v4("127.0.0.1")),
        ("2130706433", v4("127.0.0.1")),
        ("0x7f000001", v4("127.0.0.1")),
        ("0177.0.0.1", v4("127.0.0.1")),
        ("0x7f.1", v4("127.0.0.1")),
        ("169.254.43518", v4("169.254.169.254")),
        ("10.0.0.1.", v4("10.0.0.1")),
        ("::1", Target::Ip("::1".parse().unwrap())),
        ("API.Test.", Target::Name("api.test".into())),
    ];
    for (host, want) in cases {
        assert_eq!(classify_host(host), Ok(want), "{host}");
    }
    for bad in [
        "256.1.1.1",
        "1.2.3.4.5",
        "4294967296",
        "08.1",
        "a..b",
        "a b",
    ] {
        assert!(classify_host(bad).is_err(), "{bad}");
    }
}

#[test]
fn suffix_probe_sees_rules_beneath_without_false_alarms() {
    assert_eq!(suffix_at_or_below("co.uk").as_deref(), Some("co.uk"));
    assert!(suffix_at_or_below("amazonaws.com").is_some());
    for plain in [
        "example.com",
        "stripe.com",
        "example.co.uk",
        "a.b.example.org",
    ] {
        assert_eq!(suffix_at_or_below(plain), None, "{plain}");
    }
}
