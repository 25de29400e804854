//! The control API: what people and GitHub itself do (create apps and repositories,
//! install, push, merge, archive...), each sending the webhooks GitHub would send.
//!
//! One module per topic; this one holds what a test reads back (requests, deliveries, the
//! rate limiter's count) and the faults it sets.

mod accounts;
mod alerts;
pub(crate) mod apps;
mod checks;
mod installations;
mod pulls;
mod repos;

use anyhow::{Context, anyhow};
use serde_json::Value;

use crate::webhooks;
use crate::{Delivery, FakeGitHub, Faults, LoggedRequest, faults};

impl FakeGitHub {
    fn repo_id(&self, owner: &str, repo: &str) -> anyhow::Result<u64> {
        self.inner
            .world()
            .repo_id(owner, repo)
            .ok_or_else(|| anyhow!("no repository {owner}/{repo}"))
    }

    /// Sends a recorded delivery again: same GUID, same body. Returns the App's status.
    pub async fn redeliver(&self, guid: &str) -> anyhow::Result<u16> {
        let record = self
            .inner
            .world()
            .deliveries
            .iter()
            .find(|d| d.guid == guid)
            .cloned()
            .with_context(|| format!("no delivery {guid}"))?;
        let record = super::state::DeliveryRecord {
            status: None,
            ..record
        };
        webhooks::send(&self.inner, record)
            .await
            .context("the App did not answer the redelivery")
    }

    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.inner.world().requests.clone()
    }

    /// Bytes of blob content served so far: raw bytes as connections took them, base64
    /// text for JSON answers.
    pub fn blob_bytes_served(&self) -> u64 {
        self.inner
            .blob_bytes_served
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn clear_requests(&self) {
        self.inner.world().requests.clear();
    }

    pub fn deliveries(&self) -> Vec<Delivery> {
        self.inner
            .world()
            .deliveries
            .iter()
            .map(|d| Delivery {
                guid: d.guid.clone(),
                event: d.event.clone(),
                action: d.action.clone(),
                status: d.status,
            })
            .collect()
    }

    /// The JSON body of a recorded delivery (the latest with that GUID).
    pub fn delivery_payload(&self, guid: &str) -> Option<Value> {
        let world = self.inner.world();
        let record = world.deliveries.iter().rev().find(|d| d.guid == guid)?;
        serde_json::from_slice(&record.body).ok()
    }

    pub fn secondary_limit_violations(&self) -> u64 {
        self.inner.limiter().violations
    }

    pub fn set_faults(&self, faults: Faults) {
        *self.inner.faults() = faults::FaultPlan::new(faults);
    }
}
