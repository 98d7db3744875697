//! The properties moat decides before the rules report on them, each recorded with
//! [`crate::Context::record`] as proved, refuted or unproved: per subnet, no path to or from
//! the internet ([`isolation`]); the egress gateway and endpoint services admit only whom they
//! must ([`exposure`]); per service and needed AWS service, the tasks reach it
//! ([`service_reach`]). Refuted properties are reported by the rule for their cause (MOAT001,
//! MOAT101, MOAT105, …); unproved ones by MOAT120 (`property-unproved`).

pub(crate) mod dns;
mod exposure;
mod isolation;
mod service_reach;

/// Decide and record every isolation and reach property of the model.
pub(crate) fn record(cx: &crate::Context<'_>) {
    isolation::record(cx);
    exposure::record(cx);
    service_reach::record(cx);
    dns::record(cx);
}
