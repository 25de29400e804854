//! People and organisations: members, outside collaborators, the browser's signed-in user.

use crate::FakeGitHub;
use crate::state::AccountKind;

impl FakeGitHub {
    /// Makes `login` (a user, created if unknown) a member of organisation `org`.
    pub fn add_member(&self, org: &str, login: &str) {
        let mut world = self.inner.world();
        world.ensure_account(login, AccountKind::User);
        world
            .members
            .entry(org.to_ascii_lowercase())
            .or_default()
            .insert(login.to_ascii_lowercase());
    }

    /// Makes `login` an outside collaborator of `org`: not a member, but with access to
    /// some of its repositories.
    pub fn add_collaborator(&self, org: &str, login: &str) {
        let mut world = self.inner.world();
        world.ensure_account(login, AccountKind::User);
        world
            .collaborators
            .entry(org.to_ascii_lowercase())
            .or_default()
            .insert(login.to_ascii_lowercase());
    }

    /// The user "signed in to github.com in the browser": GitHub's OAuth authorize page
    /// approves sign-ins for them at once. `None`: nobody is signed in.
    pub fn sign_in_browser(&self, login: Option<&str>) {
        let mut world = self.inner.world();
        if let Some(login) = login {
            world.ensure_account(login, AccountKind::User);
        }
        world.browser_user = login.map(str::to_owned);
    }

    pub fn create_org(&self, login: &str) -> u64 {
        self.inner
            .world()
            .ensure_account(login, AccountKind::Organization)
    }
}
