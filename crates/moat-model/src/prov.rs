//! Where a model element came from.

use serde::Serialize;
use std::collections::BTreeMap;

/// The origin of a model element: the resource (logical id or AWS id), and where known the file
/// and the 1-based line and column of its definition (or of the property that set a value).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Provenance {
    /// Logical id (template; nested as `Parent/Child`) or AWS resource id (live).
    pub resource: String,
    /// Template or spec file, as given on the command line.
    pub file: Option<String>,
    pub line: Option<u32>,
    pub column: Option<u32>,
    /// Positions (line, column) of individual fields, keyed by the model field name they set
    /// (`"assign_public_ip"`, `"cidr"`, `"private_dns"`, …), so a finding can point at the exact
    /// property rather than the resource. Empty for live resources.
    #[serde(skip)]
    pub fields: BTreeMap<&'static str, (u32, u32)>,
}

impl Provenance {
    /// A provenance with only a resource name (live resources, synthetic elements).
    pub fn resource(resource: impl Into<String>) -> Self {
        Provenance {
            resource: resource.into(),
            ..Default::default()
        }
    }

    /// A provenance pointing at a file position.
    pub fn at(
        resource: impl Into<String>,
        file: impl Into<String>,
        line: u32,
        column: u32,
    ) -> Self {
        Provenance {
            resource: resource.into(),
            file: Some(file.into()),
            line: Some(line),
            column: Some(column),
            fields: BTreeMap::new(),
        }
    }

    /// This provenance, moved to where `field` was set when that is known (else unchanged).
    pub fn field(&self, field: &str) -> Self {
        match self.fields.get(field) {
            Some(&(line, column)) => self.with_pos(line, column),
            None => self.clone(),
        }
    }

    /// Record where `field` was set.
    pub fn set_field(&mut self, field: &'static str, line: u32, column: u32) {
        self.fields.insert(field, (line, column));
    }

    /// The same resource, but pointing at another position (a property inside it).
    pub fn with_pos(&self, line: u32, column: u32) -> Self {
        Provenance {
            line: Some(line),
            column: Some(column),
            ..self.clone()
        }
    }
}
