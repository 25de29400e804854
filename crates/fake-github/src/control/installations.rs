//! Installations: installing and uninstalling an app, suspending it, changing its
//! repositories; each sends `installation` or `installation_repositories`.

use std::collections::BTreeSet;

use anyhow::Context;

use crate::FakeGitHub;
use crate::payloads;
use crate::state::{Installation, Selection};
use crate::webhooks::{self, Outgoing};

impl FakeGitHub {
    /// Installs an app on an account (all repositories, or the named ones) with all the
    /// app's permissions; sends `installation` created.
    pub async fn install(
        &self,
        app_id: u64,
        account: &str,
        repos: Option<Vec<String>>,
    ) -> anyhow::Result<u64> {
        self.install_without(app_id, account, repos, &[]).await
    }

    /// Like [`Self::install`], but the installation lacks the `withheld` permissions (e.g.
    /// `["secret_scanning_alerts"]`): an installation made before the app asked for them,
    /// whose owner has not accepted them yet (see [`Self::accept_new_permissions`]).
    pub async fn install_without(
        &self,
        app_id: u64,
        account: &str,
        repos: Option<Vec<String>>,
        withheld: &[&str],
    ) -> anyhow::Result<u64> {
        let outgoing = {
            let mut world = self.inner.world();
            let app = world.apps.get(&app_id).cloned().context("unknown app")?;
            let account_id = world
                .account_by_login(account)
                .context("unknown account")?
                .id;
            let selection = match repos {
                None => Selection::All,
                Some(names) => {
                    let mut ids = BTreeSet::new();
                    for name in names {
                        ids.insert(
                            world
                                .repo_id(account, &name)
                                .with_context(|| format!("unknown repository {name}"))?,
                        );
                    }
                    Selection::Selected(ids)
                }
            };
            let id = world.next_id();
            world.installations.insert(
                id,
                Installation {
                    id,
                    app_id,
                    account_id,
                    selection,
                    permissions: app
                        .permissions
                        .iter()
                        .filter(|(name, _)| !withheld.contains(&name.as_str()))
                        .map(|(name, level)| (name.clone(), level.clone()))
                        .collect(),
                    events: app.events.clone(),
                    created_at: chrono::Utc::now(),
                    suspended_at: None,
                },
            );
            let payload =
                payloads::installation_payload(&mut world, &self.inner.base, id, "created");
            (
                id,
                Outgoing {
                    app_id,
                    event: "installation".into(),
                    payload,
                },
            )
        };
        let (id, item) = outgoing;
        webhooks::send_all(&self.inner, vec![item]).await;
        Ok(id)
    }

    /// The account owner accepts the app's current permissions on an installation:
    /// sends `installation` new_permissions_accepted. Tokens minted before keep theirs.
    pub async fn accept_new_permissions(&self, installation_id: u64) -> anyhow::Result<()> {
        let item = {
            let mut world = self.inner.world();
            let app_id = world
                .installations
                .get(&installation_id)
                .context("unknown installation")?
                .app_id;
            let app = world.apps.get(&app_id).context("unknown app")?;
            let (permissions, events) = (app.permissions.clone(), app.events.clone());
            if let Some(installation) = world.installations.get_mut(&installation_id) {
                installation.permissions = permissions;
                installation.events = events;
            }
            let payload = payloads::installation_payload(
                &mut world,
                &self.inner.base,
                installation_id,
                "new_permissions_accepted",
            );
            Outgoing {
                app_id,
                event: "installation".into(),
                payload,
            }
        };
        webhooks::send_all(&self.inner, vec![item]).await;
        Ok(())
    }

    pub async fn uninstall(&self, installation_id: u64) -> anyhow::Result<()> {
        let item = {
            let mut world = self.inner.world();
            let app_id = world
                .installations
                .get(&installation_id)
                .context("unknown installation")?
                .app_id;
            let payload = payloads::installation_payload(
                &mut world,
                &self.inner.base,
                installation_id,
                "deleted",
            );
            world.installations.remove(&installation_id);
            world
                .tokens
                .retain(|_, t| t.installation_id != installation_id);
            Outgoing {
                app_id,
                event: "installation".into(),
                payload,
            }
        };
        webhooks::send_all(&self.inner, vec![item]).await;
        Ok(())
    }

    async fn set_suspended(&self, installation_id: u64, suspended: bool) -> anyhow::Result<()> {
        let item = {
            let mut world = self.inner.world();
            let installation = world
                .installations
                .get_mut(&installation_id)
                .context("unknown installation")?;
            installation.suspended_at = suspended.then(chrono::Utc::now);
            let app_id = installation.app_id;
            let action = if suspended { "suspend" } else { "unsuspend" };
            let payload = payloads::installation_payload(
                &mut world,
                &self.inner.base,
                installation_id,
                action,
            );
            Outgoing {
                app_id,
                event: "installation".into(),
                payload,
            }
        };
        webhooks::send_all(&self.inner, vec![item]).await;
        Ok(())
    }

    pub async fn suspend(&self, installation_id: u64) -> anyhow::Result<()> {
        self.set_suspended(installation_id, true).await
    }

    pub async fn unsuspend(&self, installation_id: u64) -> anyhow::Result<()> {
        self.set_suspended(installation_id, false).await
    }

    pub async fn add_repos_to_installation(
        &self,
        installation_id: u64,
        repos: &[&str],
    ) -> anyhow::Result<()> {
        self.change_installation_repos(installation_id, repos, true)
            .await
    }

    pub async fn remove_repos_from_installation(
        &self,
        installation_id: u64,
        repos: &[&str],
    ) -> anyhow::Result<()> {
        self.change_installation_repos(installation_id, repos, false)
            .await
    }

    async fn change_installation_repos(
        &self,
        installation_id: u64,
        repos: &[&str],
        add: bool,
    ) -> anyhow::Result<()> {
        let item = {
            let mut world = self.inner.world();
            let installation = world
                .installations
                .get(&installation_id)
                .cloned()
                .context("unknown installation")?;
            let login = world
                .account(installation.account_id)
                .map(|a| a.login.clone())
                .unwrap_or_default();
            let mut changed = Vec::new();
            for name in repos {
                changed.push(
                    world
                        .repo_id(&login, name)
                        .with_context(|| format!("unknown repository {name}"))?,
                );
            }
            let mut ids = match installation.selection {
                Selection::Selected(ids) => ids,
                Selection::All => world
                    .installation_repos(installation_id)
                    .into_iter()
                    .collect(),
            };
            for id in &changed {
                if add {
                    ids.insert(*id);
                } else {
                    ids.remove(id);
                }
            }
            if let Some(i) = world.installations.get_mut(&installation_id) {
                i.selection = Selection::Selected(ids);
            }
            let payload = payloads::installation_repositories_payload(
                &mut world,
                &self.inner.base,
                installation_id,
                &changed,
                add,
            );
            Outgoing {
                app_id: installation.app_id,
                event: "installation_repositories".into(),
                payload,
            }
        };
        webhooks::send_all(&self.inner, vec![item]).await;
        Ok(())
    }
}
