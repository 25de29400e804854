//! Webhook deliveries, handled in three steps: [`Event::parse`] types the stored payload,
//! [`decide`] says what it means for the record and the queue (pure, tested per event
//! as tables), [`apply`] does it.

pub(crate) mod apply;
mod decide;
pub(crate) mod findings;
mod model;
mod runs;
pub(crate) mod security;
#[cfg(test)]
mod security_tests;
#[cfg(test)]
mod tests;

pub use apply::Provenance;
pub use decide::{Action, Current, Decision, decide};
pub use model::{Event, ParseError, RepositoryRef};

use super::App;
use crate::store::{Result, StoredDelivery};

/// Handles one stored delivery; returns what it did, for the record. A payload that
/// cannot be read is recorded as such (with the delivery's GUID) and not retried: the
/// same bytes would fail the same way.
pub async fn handle(app: &App, delivery: &StoredDelivery) -> Result<String> {
    let event = match Event::parse(&delivery.guid, &delivery.event, &delivery.payload) {
        Ok(event) => event,
        Err(err) => {
            tracing::warn!(error = %err, "delivery not handled");
            return Ok(err.to_string());
        }
    };
    let current = apply::load(app, &event).await?;
    let decision = decide(&event, &current, app.rules());
    apply::apply(app, &decision.actions, &Provenance::delivery(delivery)).await?;
    Ok(decision.outcome)
}
