//! Unit tests of the hop verdicts.

use super::*;
use moat_model::{NaclEntry, Provenance};

fn entry(n: u16, egress: bool, cidr: &str, ports: Option<PortRange>, allow: bool) -> NaclEntry {
    NaclEntry {
        rule_number: Maybe::Known(n),
        egress,
        protocol: Maybe::Known(Protocol::Tcp),
        ports: Maybe::Known(ports),
        cidr: Maybe::Known(cidr.parse().unwrap()),
        allow: Maybe::Known(allow),
        prov: Provenance::default(),
    }
}

fn acl(entries: Vec<NaclEntry>) -> NetworkAcl {
    NetworkAcl {
        id: Id::from("Acl"),
        vpc: Maybe::Known(Id::from("VPC")),
        subnets: vec![],
        entries,
        default: false,
        prov: Provenance::default(),
    }
}

fn peer(cidr: &str) -> TrafficPeer<'static> {
    TrafficPeer {
        range: Some(Ok(cidr.parse().unwrap())),
        ..Default::default()
    }
}

#[test]
fn nacl_first_match_by_number_wins() {
    let a = acl(vec![
        entry(200, true, "0.0.0.0/0", None, true),
        entry(
            100,
            true,
            "10.0.0.0/16",
            Some(PortRange::single(443)),
            false,
        ),
    ]);
    assert_eq!(
        nacl_admits(&a, true, PortRange::single(443), &peer("10.0.1.0/24")),
        HopVerdict::Deny
    );
    assert_eq!(
        nacl_admits(&a, true, PortRange::single(80), &peer("10.0.1.0/24")),
        HopVerdict::Allow
    );
}

#[test]
fn nacl_no_match_is_deny_and_partial_port_is_unknown() {
    let a = acl(vec![entry(
        100,
        false,
        "10.0.0.0/16",
        Some(PortRange {
            from: 1024,
            to: 2000,
        }),
        true,
    )]);
    assert_eq!(
        nacl_admits(&a, true, PortRange::single(443), &peer("10.0.1.0/24")),
        HopVerdict::Deny
    );
    assert!(matches!(
        nacl_admits(&a, false, PortRange::EPHEMERAL, &peer("10.0.1.0/24")),
        HopVerdict::Unknown(_)
    ));
}

#[test]
fn sg_rules_by_group_and_cidr() {
    let rule = |peer: Peer, proto: Protocol, ports: Option<PortRange>| SgRule {
        protocol: Maybe::Known(proto),
        ports: Maybe::Known(ports),
        peer: Maybe::Known(peer),
        prov: Provenance::default(),
    };
    let task = Id::from("TaskSg");
    let g = SecurityGroup {
        id: Id::from("EndpointSg"),
        vpc: Maybe::Known(Id::from("VPC")),
        ingress: vec![rule(
            Peer::SecurityGroup(Maybe::Known(task.clone())),
            Protocol::Tcp,
            Some(PortRange::single(443)),
        )],
        egress: vec![],
        default: false,
        prov: Provenance::default(),
    };
    let from_task = TrafficPeer {
        security_groups: vec![&task],
        ..Default::default()
    };
    assert_eq!(
        security_groups_admit(&[&g], &[], false, 443, &from_task),
        HopVerdict::Allow
    );
    assert_eq!(
        security_groups_admit(&[&g], &[], false, 80, &from_task),
        HopVerdict::Deny
    );
    assert_eq!(
        security_groups_admit(&[&g], &[], false, 443, &peer("10.0.0.0/24")),
        HopVerdict::Deny
    );
    let cidr_g = SecurityGroup {
        ingress: vec![rule(
            Peer::Cidr("10.0.0.0/16".parse().unwrap()),
            Protocol::All,
            None,
        )],
        ..g.clone()
    };
    assert_eq!(
        security_groups_admit(&[&cidr_g], &[], false, 443, &peer("10.0.3.0/24")),
        HopVerdict::Allow
    );
    assert!(matches!(
        security_groups_admit(&[&cidr_g], &[], false, 443, &peer("10.0.0.0/8")),
        HopVerdict::Unknown(_)
    ));
}

/// A group of the interface that is not in the model may admit what the known ones do not:
/// no allowing rule is then unknown, not deny (it was deny before: a false MOAT105).
/// And a rule naming another group cannot be told from one of the peer's unknown groups.
#[test]
fn unresolved_groups_make_deny_unknown() {
    let g = SecurityGroup {
        id: Id::from("EndpointSg"),
        vpc: Maybe::Known(Id::from("VPC")),
        ingress: vec![],
        egress: vec![],
        default: false,
        prov: Provenance::default(),
    };
    let missing = Unknown {
        what: "a security group (Fn::ImportValue Sg)".into(),
        prov: Provenance::resource("Endpoint"),
        settle: "pass it".into(),
    };
    assert_eq!(
        security_groups_admit(&[&g], &[], false, 443, &peer("10.0.0.0/24")),
        HopVerdict::Deny
    );
    assert_eq!(
        security_groups_admit(
            &[&g],
            std::slice::from_ref(&missing),
            false,
            443,
            &peer("10.0.0.0/24")
        ),
        HopVerdict::Unknown(vec![missing.clone()])
    );
    let by_group = SgRule {
        protocol: Maybe::Known(Protocol::Tcp),
        ports: Maybe::Known(Some(PortRange::single(443))),
        peer: Maybe::Known(Peer::SecurityGroup(Maybe::Known(Id::from("TaskSg")))),
        prov: Provenance::default(),
    };
    let with_rule = SecurityGroup {
        ingress: vec![by_group],
        ..g
    };
    let task_unknown_groups = TrafficPeer {
        unresolved_groups: vec![missing.clone()],
        ..Default::default()
    };
    assert!(matches!(
        security_groups_admit(&[&with_rule], &[], false, 443, &task_unknown_groups),
        HopVerdict::Unknown(_)
    ));
}

fn egress_to_list(list: Maybe<Id>) -> SecurityGroup {
    SecurityGroup {
        id: Id::from("TaskSg"),
        vpc: Maybe::Known(Id::from("VPC")),
        ingress: vec![],
        egress: vec![SgRule {
            protocol: Maybe::Known(Protocol::Tcp),
            ports: Maybe::Known(Some(PortRange::single(443))),
            peer: Maybe::Known(Peer::PrefixList(list)),
            prov: Provenance::at("TaskSg", "t.yml", 7, 11),
        }],
        default: false,
        prov: Provenance::default(),
    }
}

fn named(id: &str, name: &str) -> PrefixList {
    PrefixList {
        id: Id::from(id),
        name: Maybe::Known(name.into()),
        prov: Provenance::default(),
    }
}

const S3: &str = "com.amazonaws.us-east-1.s3";

fn s3_peer(known: &[PrefixList]) -> TrafficPeer<'_> {
    TrafficPeer {
        outside: true,
        via_prefix_list: Some(ListTarget { name: S3, known }),
        ..Default::default()
    }
}

/// A prefix-list rule whose list id is unknown may name any list: it does not admit S3.
#[test]
fn unknown_prefix_list_is_unknown() {
    let lists = [named("pl-63a5400a", S3)];
    let unknown = egress_to_list(Maybe::unknown("Fn::ImportValue S3List"));
    assert!(matches!(
        security_groups_admit(&[&unknown], &[], true, 443, &s3_peer(&lists)),
        HopVerdict::Unknown(u) if u[0].what.contains("S3List")
    ));
}

/// A rule naming the region's S3 list, by id (live) or by the parameter moat declares (a
/// template), admits S3; the same id with no name known was taken as S3's before (any known id
/// counted): it is unknown, with the rule's location and how to settle it.
#[test]
fn only_the_list_named_s3_admits_s3() {
    let by_id = egress_to_list(Maybe::Known(Id::from("pl-63a5400a")));
    let lists = [named("pl-63a5400a", S3)];
    assert_eq!(
        security_groups_admit(&[&by_id], &[], true, 443, &s3_peer(&lists)),
        HopVerdict::Allow
    );
    let symbolic = egress_to_list(Maybe::Known(Id::from("S3PrefixListId")));
    let declared = [named("S3PrefixListId", S3)];
    assert_eq!(
        security_groups_admit(&[&symbolic], &[], true, 443, &s3_peer(&declared)),
        HopVerdict::Allow
    );
    let HopVerdict::Unknown(u) = security_groups_admit(&[&by_id], &[], true, 443, &s3_peer(&[]))
    else {
        panic!("a list known by id only must not admit S3");
    };
    assert!(u[0].what.contains("pl-63a5400a"), "{u:?}");
    assert_eq!(u[0].prov.line, Some(7));
    assert!(
        u[0].settle.contains("describe-managed-prefix-lists"),
        "{u:?}"
    );
}

/// Another AWS-managed list holds another service's addresses (deny); a customer-managed list
/// may hold anything (unknown); neither counts for S3.
#[test]
fn another_list_does_not_admit_s3() {
    let rule = egress_to_list(Maybe::Known(Id::from("pl-1")));
    let dynamodb = [named("pl-1", "com.amazonaws.us-east-1.dynamodb")];
    assert_eq!(
        security_groups_admit(&[&rule], &[], true, 443, &s3_peer(&dynamodb)),
        HopVerdict::Deny
    );
    let other_region = [named("pl-1", "com.amazonaws.eu-west-1.s3")];
    assert_eq!(
        security_groups_admit(&[&rule], &[], true, 443, &s3_peer(&other_region)),
        HopVerdict::Deny
    );
    // The list of an unknown region against a literal one: the region decides, not a deny.
    let symbolic = [named(
        "pl-1",
        &format!("com.amazonaws.{}.s3", moat_model::UNKNOWN_REGION),
    )];
    assert!(matches!(
        security_groups_admit(&[&rule], &[], true, 443, &s3_peer(&symbolic)),
        HopVerdict::Unknown(u) if u[0].settle.contains("--region")
    ));
    let customer = [named("pl-1", "corp-s3-ranges")];
    assert!(matches!(
        security_groups_admit(&[&rule], &[], true, 443, &s3_peer(&customer)),
        HopVerdict::Unknown(u) if u[0].what.contains("corp-s3-ranges")
    ));
    // Inside the VPC a prefix-list rule admits nothing.
    assert_eq!(
        security_groups_admit(&[&rule], &[], true, 443, &peer("10.0.0.0/24")),
        HopVerdict::Deny
    );
}

/// A matching entry whose rule number is unknown may be evaluated first: a known allow
/// behind it is not certain (it was taken as decided before); an unknown-numbered entry
/// that cannot match, or decides the same, changes nothing.
#[test]
fn unknown_rule_number_may_come_first() {
    let mut deny = entry(0, true, "0.0.0.0/0", None, false);
    deny.rule_number = Maybe::unknown("Fn::ImportValue RuleNo");
    let a = acl(vec![
        entry(100, true, "0.0.0.0/0", None, true),
        deny.clone(),
    ]);
    assert!(matches!(
        nacl_admits(&a, true, PortRange::single(443), &peer("10.0.1.0/24")),
        HopVerdict::Unknown(u) if u[0].what.contains("rule number")
    ));
    let mut other = entry(0, true, "192.168.0.0/16", None, false);
    other.rule_number = Maybe::unknown("Fn::ImportValue RuleNo");
    let b = acl(vec![entry(100, true, "0.0.0.0/0", None, true), other]);
    assert_eq!(
        nacl_admits(&b, true, PortRange::single(443), &peer("10.0.1.0/24")),
        HopVerdict::Allow
    );
}
