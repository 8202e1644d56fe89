//! Reading migration plans in tests.

use link_runtime::{Links, Plan, StepKind};

use crate::TestDb;

/// `links.plan()`, or a panic naming the backend.
pub async fn plan(links: &Links, t: &TestDb) -> Plan {
    links
        .plan()
        .await
        .unwrap_or_else(|e| panic!("{:?}: {e}", t.backend))
}

/// Each step's kind and table, in order.
pub fn kinds(plan: &Plan) -> Vec<(StepKind, &str)> {
    plan.steps
        .iter()
        .map(|s| (s.kind, s.table.as_str()))
        .collect()
}
