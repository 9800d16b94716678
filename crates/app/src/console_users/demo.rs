//! The demonstration's console users: one admin, one officer, one auditor of the provider
//! tenant, all with [`DEMO_PASSWORD`]. Only `cloudkyc serve --demo` makes them; a fixed,
//! documented password is acceptable there and nowhere else.

use cloudkyc_domain::Role;
use cloudkyc_store::TenantScope;

use super::{CreateConsoleUser, Password};
use crate::{App, AppError, AppResult};

/// The password of every demonstration user (printed by `serve --demo`, written in the README).
pub const DEMO_PASSWORD: &str = "demo-console-password";

/// The demonstration users' emails and roles.
pub const DEMO_USERS: [(&str, Role); 3] = [
    ("admin@demo.cloudkyc.invalid", Role::Admin),
    ("officer@demo.cloudkyc.invalid", Role::Officer),
    ("auditor@demo.cloudkyc.invalid", Role::Auditor),
];

impl App {
    /// Creates the demonstration users of the scope's tenant; ones that exist already are left
    /// as they are, so seeding twice is harmless.
    pub async fn seed_demo_console_users(&self, scope: &TenantScope) -> AppResult<()> {
        for (email, role) in DEMO_USERS {
            let request = CreateConsoleUser {
                email: email.to_owned(),
                role,
                tenant: None,
                password: Some(Password::new(DEMO_PASSWORD)),
            };
            match self.create_console_user(scope, request).await {
                Ok(_) | Err(AppError::Conflict(_)) => {}
                Err(other) => return Err(other),
            }
        }
        Ok(())
    }
}
