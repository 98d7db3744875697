//! Public suffixes at or below a name, from the Public Suffix List compiled into the `psl`
//! crate (ICANN and private sections).
//!
//! `psl` answers "what is the longest public suffix of this name"; a wildcard also needs
//! "is any public suffix *beneath* this base" (`*.amazonaws.com` covers `s3.amazonaws.com`,
//! a suffix under which anyone's bucket is a name). The list is compiled into a trie that
//! `psl` walks one label at a time, from the top-level domain down, asking the label
//! iterator for the next label only where the trie goes deeper. So the question is
//! answered by the walk itself: feed the base's labels, then one more, and see whether
//! the matcher asked for it. No copy of the list is kept here.

use core::cell::Cell;

use alloc::string::String;
use psl::Psl;

/// True when `name` is itself a public suffix listed in the PSL (`com`, `co.uk`,
/// `github.io`), or a name a wildcard rule makes one (`x.compute.amazonaws.com`).
pub fn is_public_suffix(name: &str) -> bool {
    match psl::suffix(name.as_bytes()) {
        Some(s) => s.is_known() && s.as_bytes() == name.as_bytes(),
        None => false,
    }
}

/// The public suffix at or below `base`, if there is one: `base` itself when it is a
/// suffix, otherwise a name showing that the PSL has rules beneath it. The answer for
/// "beneath" names the deepest rule reached by a probe label (`*.compute.amazonaws.com`
/// shows as `<any>.compute.amazonaws.com`), or `<label>.base` in general.
pub fn suffix_at_or_below(base: &str) -> Option<String> {
    if is_public_suffix(base) {
        return Some(String::from(base));
    }
    has_rules_beneath(base).then(|| alloc::format!("<label>.{base}"))
}

/// Walks the compiled list with `base`'s labels and one probe label below them; true when
/// the walk asked for the probe, i.e. the list has a node (a rule, a wildcard or an
/// exception) beneath `base`.
fn has_rules_beneath(base: &str) -> bool {
    const PROBE: &[u8] = b"moat-allow-probe";
    let labels: alloc::vec::Vec<&[u8]> = base.rsplit('.').map(str::as_bytes).collect();
    let asked = Cell::new(0usize);
    let iter = labels
        .iter()
        .copied()
        .chain(core::iter::once(PROBE))
        .inspect(|_| {
            asked.set(asked.get() + 1);
        });
    let _ = psl::List.find(iter);
    asked.get() > labels.len()
}
