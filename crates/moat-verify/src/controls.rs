//! Which controls each rule's findings evidence, so a reviewer can file moat's output against
//! a framework: PCI DSS v4.0 requirements, NIST SP 800-53 Rev. 5 controls, and the CIS Amazon
//! Web Services Foundations Benchmark v3.0.0 where one of its recommendations covers the same
//! setting.
//!
//! **This is moat's reading, not an official crosswalk.** No standards body or auditor has
//! reviewed it. It was written from the requirement and control texts themselves — PCI DSS
//! v4.0 (PCI Security Standards Council, March 2022; <https://www.pcisecuritystandards.org/>),
//! NIST SP 800-53 Rev. 5 (<https://csrc.nist.gov/pubs/sp/800/53/r5/upd1/final>) and the CIS AWS
//! Foundations Benchmark v3.0.0 (<https://www.cisecurity.org/benchmark/amazon_web_services>),
//! whose flow-log recommendation AWS Security Hub lists as 3.7
//! (<https://docs.aws.amazon.com/securityhub/latest/userguide/cis-aws-foundations-benchmark.html>) —
//! by asking, for each rule, which requirement's objective the rule's check decides. Titles
//! are short paraphrases; the framework's own text governs.
//!
//! A rule whose check decides whether the isolated design *works* (a needed endpoint
//! reachable, a role sufficient) rather than whether it is *restricted* maps to no control and
//! says why in [`RuleControls::note`], rather than borrowing a control it does not evidence.
//!
//! Every rule needs an entry: a test fails for a rule code without one (add it here, with an
//! empty `controls` and a `note` if the rule evidences none).

/// A framework a control belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Framework {
    /// PCI DSS v4.0.
    PciDss,
    /// NIST SP 800-53 Rev. 5.
    Nist80053,
    /// CIS Amazon Web Services Foundations Benchmark v3.0.0.
    CisAws,
}

impl Framework {
    /// The framework and its version, as a reviewer cites it.
    pub fn name(self) -> &'static str {
        match self {
            Framework::PciDss => "PCI DSS v4.0",
            Framework::Nist80053 => "NIST SP 800-53 Rev. 5",
            Framework::CisAws => "CIS AWS Foundations Benchmark v3.0.0",
        }
    }
}

/// One control or requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Control {
    pub framework: Framework,
    /// The framework's own number (`1.3.2`, `SC-7`, `3.7`).
    pub id: &'static str,
    /// A short paraphrase of its title.
    pub title: &'static str,
}

impl Control {
    /// `PCI DSS v4.0 1.3.2`: the framework with the id, for tags and one-line lists.
    pub fn label(&self) -> String {
        format!("{} {}", self.framework.name(), self.id)
    }
}

/// The controls one rule evidences.
#[derive(Debug, Clone, Copy)]
pub struct RuleControls {
    pub code: &'static str,
    pub controls: &'static [Control],
    /// Why the list is what it is, when that is not obvious (always set when it is empty).
    pub note: &'static str,
}

const fn pci(id: &'static str, title: &'static str) -> Control {
    Control {
        framework: Framework::PciDss,
        id,
        title,
    }
}
const fn nist(id: &'static str, title: &'static str) -> Control {
    Control {
        framework: Framework::Nist80053,
        id,
        title,
    }
}
const fn cis(id: &'static str, title: &'static str) -> Control {
    Control {
        framework: Framework::CisAws,
        id,
        title,
    }
}

const PCI_1_3_1: Control = pci(
    "1.3.1",
    "Inbound traffic to the CDE is restricted to what is necessary",
);
const PCI_1_3_2: Control = pci(
    "1.3.2",
    "Outbound traffic from the CDE is restricted to what is necessary",
);
const PCI_1_4_1: Control = pci(
    "1.4.1",
    "Network security controls sit between trusted and untrusted networks",
);
const PCI_1_4_2: Control = pci(
    "1.4.2",
    "Inbound traffic from untrusted networks is restricted",
);
const PCI_1_4_4: Control = pci(
    "1.4.4",
    "Components holding cardholder data are not directly reachable from untrusted networks",
);
const PCI_7_2_5: Control = pci(
    "7.2.5",
    "System and application accounts get least privilege, limited to what needs them",
);
const PCI_10_2_1: Control = pci(
    "10.2.1",
    "Audit logs are enabled and active for all system components",
);

const AC_3: Control = nist("AC-3", "Access Enforcement");
const AC_4: Control = nist("AC-4", "Information Flow Enforcement");
const AC_6: Control = nist("AC-6", "Least Privilege");
const AU_2: Control = nist("AU-2", "Event Logging");
const AU_12: Control = nist("AU-12", "Audit Record Generation");
const SC_7: Control = nist("SC-7", "Boundary Protection");
const SC_8: Control = nist("SC-8", "Transmission Confidentiality and Integrity");
const SC_8_1: Control = nist(
    "SC-8(1)",
    "Transmission Confidentiality and Integrity | Cryptographic Protection",
);
const SI_4: Control = nist("SI-4", "System Monitoring");

const CIS_3_7: Control = cis("3.7", "VPC flow logging is enabled in all VPCs");
const CIS_5_5: Control = cis("5.5", "Routing tables for VPC peering are least access");

/// A path to the internet, in or out, is the boundary the isolated design exists to keep shut.
const OUT_AND_IN: &[Control] = &[PCI_1_3_1, PCI_1_3_2, PCI_1_4_1, SC_7, AC_4];
/// A way out only (NAT, egress-only gateways, pulls from outside).
const OUT: &[Control] = &[PCI_1_3_2, PCI_1_4_1, SC_7, AC_4];
/// A public address on something inside.
const PUBLIC_ADDRESS: &[Control] = &[PCI_1_3_1, PCI_1_4_4, SC_7];
/// The workload reaches AWS through a managed interface (a VPC endpoint) instead of the
/// internet: SC-7's "connect to external systems only through managed interfaces".
const MANAGED_INTERFACE: &[Control] = &[PCI_1_3_2, SC_7];

const OPERABILITY: &str = "Checks that the isolated design works (the workload can reach or use \
     what it needs), not that it is restricted; it evidences no control by itself.";

/// The mapping, by rule code.
pub static TABLE: &[RuleControls] = &[
    RuleControls {
        code: "MOAT001",
        controls: OUT_AND_IN,
        note: "",
    },
    RuleControls {
        code: "MOAT002",
        controls: OUT,
        note: "",
    },
    RuleControls {
        code: "MOAT003",
        controls: OUT,
        note: "",
    },
    RuleControls {
        code: "MOAT004",
        controls: &[PCI_1_3_1, PCI_1_3_2, SC_7, AC_4, CIS_5_5],
        note: "CIS 5.5 where the target is a VPC peering connection.",
    },
    RuleControls {
        code: "MOAT005",
        controls: OUT_AND_IN,
        note: "",
    },
    RuleControls {
        code: "MOAT006",
        controls: PUBLIC_ADDRESS,
        note: "",
    },
    RuleControls {
        code: "MOAT007",
        controls: PUBLIC_ADDRESS,
        note: "",
    },
    RuleControls {
        code: "MOAT008",
        controls: OUT,
        note: "",
    },
    RuleControls {
        code: "MOAT009",
        controls: PUBLIC_ADDRESS,
        note: "",
    },
    RuleControls {
        code: "MOAT010",
        controls: &[PCI_1_3_1, PCI_1_4_2, PCI_1_4_4, SC_7, AC_4],
        note: "",
    },
    RuleControls {
        code: "MOAT011",
        controls: &[PCI_1_3_1, PCI_1_4_2, SC_7, AC_4],
        note: "The egress gateway is the one component allowed a way out; it must admit no one from outside.",
    },
    RuleControls {
        code: "MOAT012",
        controls: OUT,
        note: "DNS is a way out: a resolver that answers any public name carries data to whoever serves the name.",
    },
    RuleControls {
        code: "MOAT013",
        controls: &[],
        note: "Decides whether the design works (a needed name resolves), not whether it is restricted.",
    },
    RuleControls {
        code: "MOAT014",
        controls: &[PCI_1_3_2, SC_7, AC_4],
        note: "Outbound traffic limited to what the workload needs: S3's managed prefix list, not every address.",
    },
    RuleControls {
        code: "MOAT101",
        controls: MANAGED_INTERFACE,
        note: "Without the endpoint the service's calls need a way out of the VPC.",
    },
    RuleControls {
        code: "MOAT102",
        controls: MANAGED_INTERFACE,
        note: "Without private DNS the service's public name resolves to public addresses, off the endpoint.",
    },
    RuleControls {
        code: "MOAT103",
        controls: MANAGED_INTERFACE,
        note: "Without VPC DNS the endpoints' private names do not resolve.",
    },
    RuleControls {
        code: "MOAT104",
        controls: &[],
        note: "Availability: tasks in one zone depend on another zone's endpoint interface. No security control.",
    },
    RuleControls {
        code: "MOAT105",
        controls: &[],
        note: OPERABILITY,
    },
    RuleControls {
        code: "MOAT106",
        controls: &[],
        note: OPERABILITY,
    },
    RuleControls {
        code: "MOAT107",
        controls: MANAGED_INTERFACE,
        note: "Without the gateway route, S3 traffic has no private path.",
    },
    RuleControls {
        code: "MOAT108",
        controls: &[],
        note: OPERABILITY,
    },
    RuleControls {
        code: "MOAT110",
        controls: &[],
        note: "Checks that the execution role is sufficient; its least privilege is what `moat synth` writes, not what this rule decides.",
    },
    RuleControls {
        code: "MOAT111",
        controls: OUT,
        note: "A public registry is reachable only through a way out of the VPC.",
    },
    RuleControls {
        code: "MOAT112",
        controls: OUT,
        note: "Another region's or another provider's registry is reachable only through a way out of the VPC.",
    },
    RuleControls {
        code: "MOAT113",
        controls: &[],
        note: "Marks a proof as incomplete: the controls of the rule it leaves unproved are unproved.",
    },
    RuleControls {
        code: "MOAT114",
        controls: &[],
        note: "Checks that the task role is sufficient for a container feature; not its least privilege.",
    },
    RuleControls {
        code: "MOAT120",
        controls: &[],
        note: "Reports a value that leaves a property unproved: the controls of that property (isolation: \
               those of MOAT001-MOAT011; reach: none) are unproved, not evidenced.",
    },
    RuleControls {
        code: "MOAT121",
        controls: &[],
        note: "Checks that the permissions boundary leaves the tasks what they need; the boundary's restriction is not what it evidences.",
    },
    RuleControls {
        code: "MOAT122",
        controls: &[],
        note: "Checks that endpoint policies admit the calls the tasks need, not that they restrict others.",
    },
    RuleControls {
        code: "MOAT123",
        controls: &[],
        note: OPERABILITY,
    },
    RuleControls {
        code: "MOAT124",
        controls: &[],
        note: "Checks that the execution role may decrypt what it reads; not key-access least privilege.",
    },
    RuleControls {
        code: "MOAT125",
        controls: &[],
        note: "Checks that ECS can assume the role here; MOAT302 covers the confused-deputy restriction.",
    },
    RuleControls {
        code: "MOAT126",
        controls: &[],
        note: OPERABILITY,
    },
    RuleControls {
        code: "MOAT127",
        controls: &[],
        note: OPERABILITY,
    },
    RuleControls {
        code: "MOAT128",
        controls: &[],
        note: OPERABILITY,
    },
    RuleControls {
        code: "MOAT129",
        controls: &[],
        note: OPERABILITY,
    },
    RuleControls {
        code: "MOAT130",
        controls: &[],
        note: OPERABILITY,
    },
    RuleControls {
        code: "MOAT131",
        controls: &[],
        note: OPERABILITY,
    },
    RuleControls {
        code: "MOAT132",
        controls: &[PCI_1_3_1, PCI_1_4_2, PCI_1_4_4, SC_7, AC_4],
        note: "An internet-facing Classic Load Balancer is ingress from outside, as for MOAT010.",
    },
    RuleControls {
        code: "MOAT133",
        controls: &[],
        note: OPERABILITY,
    },
    RuleControls {
        code: "MOAT201",
        controls: &[PCI_1_3_1, PCI_1_4_2, AC_3, SC_7],
        note: "",
    },
    RuleControls {
        code: "MOAT202",
        controls: &[PCI_1_3_1, AC_3, SC_7],
        note: "",
    },
    RuleControls {
        code: "MOAT203",
        controls: &[SC_8, SC_8_1],
        note: "PrivateLink is not an open, public network, so PCI DSS 4.2.1 is not claimed.",
    },
    RuleControls {
        code: "MOAT301",
        controls: &[PCI_10_2_1, AU_2, AU_12, SI_4, CIS_3_7],
        note: "",
    },
    RuleControls {
        code: "MOAT302",
        controls: &[PCI_7_2_5, AC_3, AC_6],
        note: "The aws:SourceAccount / aws:SourceArn conditions limit the role to this account's ECS.",
    },
];

/// The controls rule `code` evidences (`None`: the rule has no entry yet).
pub fn controls(code: &str) -> Option<&'static RuleControls> {
    TABLE.iter().find(|r| r.code.eq_ignore_ascii_case(code))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_rule_has_a_control_mapping() {
        let missing: Vec<&str> = crate::all_rules()
            .iter()
            .map(|r| r.code)
            .filter(|c| controls(c).is_none())
            .collect();
        assert!(
            missing.is_empty(),
            "rules without a control mapping: {}. Add an entry for each to TABLE in \
             crates/moat-verify/src/controls.rs: the PCI DSS v4.0 / NIST SP 800-53 Rev. 5 / CIS AWS \
             controls the rule's check decides, or `controls: &[]` with a `note` saying why it \
             evidences none.",
            missing.join(", ")
        );
    }

    #[test]
    fn every_entry_is_a_rule_once_and_explains_an_empty_list() {
        let codes: BTreeSet<&str> = crate::all_rules().iter().map(|r| r.code).collect();
        let mut seen = BTreeSet::new();
        for e in TABLE {
            assert!(codes.contains(e.code), "{} is not a rule code", e.code);
            assert!(seen.insert(e.code), "{} has two entries", e.code);
            assert!(
                !e.controls.is_empty() || !e.note.is_empty(),
                "{}: an empty mapping needs a note",
                e.code
            );
            let ids: BTreeSet<String> = e.controls.iter().map(Control::label).collect();
            assert_eq!(ids.len(), e.controls.len(), "{}: a control twice", e.code);
        }
    }

    #[test]
    fn labels_name_framework_version_and_id() {
        let m = controls("moat301").unwrap();
        let labels: Vec<String> = m.controls.iter().map(Control::label).collect();
        assert!(labels.contains(&"PCI DSS v4.0 10.2.1".to_string()));
        assert!(labels.contains(&"NIST SP 800-53 Rev. 5 AU-2".to_string()));
        assert!(labels.contains(&"CIS AWS Foundations Benchmark v3.0.0 3.7".to_string()));
    }
}
