//! `cloudkyc users create|list|disable|enable|unlock`: console users (issue 8).

use std::io::{IsTerminal, Read};
use std::process::ExitCode;

use anyhow::{Context, Result};
use cloudkyc_app::console_users::{CreateConsoleUser, Password};
use cloudkyc_domain::Role;
use cloudkyc_store::console_users::AccessChange;

use crate::cli::UsersCommand;
use crate::config::Config;
use crate::{output, wiring};

pub async fn run(config: &Config, json: bool, cmd: UsersCommand) -> Result<ExitCode> {
    let app = wiring::open_app(config).await?;
    let scope = app.operator_scope(&config.provider_name).await?;
    match cmd {
        UsersCommand::Create {
            email,
            role,
            tenant,
        } => {
            let role: Role = role.parse()?;
            let tenant = tenant
                .map(|t| t.parse())
                .transpose()
                .context("--tenant must be a tenant id")?;
            let password = read_password()?;
            let created = app
                .create_console_user(
                    &scope,
                    CreateConsoleUser {
                        email,
                        role,
                        tenant,
                        password,
                    },
                )
                .await?;
            let u = &created.user;
            if json {
                let mut value = serde_json::to_value(u)?;
                if let Some(password) = &created.password {
                    value["password"] = password.expose().into();
                }
                println!("{}", serde_json::to_string_pretty(&value)?);
            } else {
                println!(
                    "created console user {} ({}) for tenant {}; sign in at /console/sign-in",
                    u.email, u.role, u.tenant
                );
                if let Some(password) = &created.password {
                    println!("the generated password is shown once, on the next line:");
                    println!("{}", password.expose());
                }
            }
        }
        UsersCommand::List => {
            let users = app.console_users(&scope).await?;
            output::print(json, &users, |users| {
                users
                    .iter()
                    .map(|u| {
                        let state = match (u.disabled_at, u.locked_until) {
                            (Some(at), _) => format!("disabled {at}"),
                            (None, Some(until)) if until > app.now() => {
                                format!("locked until {until}")
                            }
                            _ => "active".to_owned(),
                        };
                        format!(
                            "{}  {:<8}  {}  {}  {state}",
                            u.id, u.role, u.tenant, u.email
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })?;
        }
        UsersCommand::Disable { user } => {
            change(&app, &scope, json, &user, AccessChange::Disable).await?
        }
        UsersCommand::Enable { user } => {
            change(&app, &scope, json, &user, AccessChange::Enable).await?
        }
        UsersCommand::Unlock { user } => {
            change(&app, &scope, json, &user, AccessChange::Unlock).await?
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Disables, enables or unlocks the user named by id or email, and says what it did.
async fn change(
    app: &cloudkyc_app::App,
    scope: &cloudkyc_store::TenantScope,
    json: bool,
    user: &str,
    change: AccessChange,
) -> Result<()> {
    let found = app.find_console_user(scope, user).await?;
    let changed = app
        .change_console_user_access(scope, found.id, change)
        .await?;
    let done = match change {
        AccessChange::Disable => "disabled",
        AccessChange::Enable => "enabled",
        AccessChange::Unlock => "unlocked",
    };
    output::print(json, &changed, |u| {
        format!("{done} console user {} ({})", u.email, u.id)
    })
}

/// The password piped on standard input (its first line, without the line ending), or `None`
/// to generate one: when standard input is a terminal (nothing is prompted: a typed password
/// would be echoed) or empty.
fn read_password() -> Result<Option<Password>> {
    let mut stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Ok(None);
    }
    let mut text = String::new();
    stdin
        .read_to_string(&mut text)
        .context("cannot read the password from standard input")?;
    let line = text.lines().next().unwrap_or("");
    Ok((!line.is_empty()).then(|| Password::new(line)))
}
