//! An admin's changes to who may sign in to the console: disable a user (which also ends the
//! user's sessions), enable a disabled one, and unlock one locked out by failed sign-ins before
//! the lockout ends. Each is one audited store change (`console_user.disable`, `.enable`,
//! `.unlock`); the store refuses a change that would change nothing.

use cloudkyc_domain::Permission;
use cloudkyc_store::console_users::{AccessChange, ConsoleUser, ConsoleUserId};
use cloudkyc_store::{Actor, TenantScope};

use crate::{App, AppError, AppResult};

impl App {
    /// Disables, enables or unlocks a console user of the scope's tenants (admin only, like
    /// creating one). An admin may not disable themselves: another admin must, so the last
    /// admin cannot shut everyone out by a slip.
    pub async fn change_console_user_access(
        &self,
        scope: &TenantScope,
        user: ConsoleUserId,
        change: AccessChange,
    ) -> AppResult<ConsoleUser> {
        Self::require(scope, Permission::ManageKeys)?;
        let is_self = matches!(scope.actor(), Actor::User(me) if *me == user.to_string());
        if is_self && change == AccessChange::Disable {
            return Err(AppError::Conflict(
                "you cannot disable your own user: another admin must".to_owned(),
            ));
        }
        Ok(self
            .store()
            .change_console_user_access(scope, user, change, self.now())
            .await?)
    }

    /// The console user of the scope's tenants named by its id or its email (any case), for
    /// the command line.
    pub async fn find_console_user(
        &self,
        scope: &TenantScope,
        id_or_email: &str,
    ) -> AppResult<ConsoleUser> {
        let wanted = id_or_email.trim();
        let email = super::normalise_email(wanted).ok();
        self.console_users(scope)
            .await?
            .into_iter()
            .find(|u| u.id.to_string() == wanted || Some(&u.email) == email.as_ref())
            .ok_or_else(|| AppError::NotFound("console user".to_owned()))
    }
}
