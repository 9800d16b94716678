use std::process::ExitCode;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use cloudkyc_app::keys::CreateKey;
use cloudkyc_domain::Role;
use cloudkyc_store::crypto::MasterKey;

use crate::cli::KeysCommand;
use crate::config::{Config, read_secret_file};
use crate::{output, wiring};

pub async fn run(config: &Config, json: bool, cmd: KeysCommand) -> Result<ExitCode> {
    let app = wiring::open_app(config).await?;
    let scope = app.operator_scope(&config.provider_name).await?;
    match cmd {
        KeysCommand::Create {
            role,
            tenant,
            name,
            expires,
        } => {
            let role: Role = role.parse()?;
            let tenant = tenant
                .map(|t| t.parse())
                .transpose()
                .context("--tenant must be a tenant id")?;
            let expires_at = expires
                .map(|e| DateTime::parse_from_rfc3339(&e).map(|t| t.with_timezone(&Utc)))
                .transpose()
                .context("--expires must be an RFC 3339 time such as 2027-01-31T00:00:00Z")?;
            let created = app
                .create_key(
                    &scope,
                    CreateKey {
                        role,
                        tenant,
                        name,
                        expires_at,
                    },
                )
                .await?;
            if json {
                let mut value = serde_json::to_value(&created.key)?;
                value["secret"] = created.secret.expose().into();
                println!("{}", serde_json::to_string_pretty(&value)?);
            } else {
                let k = &created.key;
                println!(
                    "created {} key {} ({}) for tenant {}",
                    k.role, k.id, k.name, k.tenant
                );
                println!("the secret is shown once, on the next line:");
                println!("{}", created.secret.expose());
            }
        }
        KeysCommand::List => {
            let keys = app.list_keys(&scope).await?;
            output::print(json, &keys, |keys| {
                keys.iter()
                    .map(|k| {
                        let state = match (k.revoked_at, k.expires_at) {
                            (Some(at), _) => format!("revoked {at}"),
                            (None, Some(at)) => format!("expires {at}"),
                            (None, None) => "active".to_owned(),
                        };
                        format!(
                            "{}  {:<11}  {}  {}  {state}",
                            k.id, k.role, k.tenant, k.name
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })?;
        }
        KeysCommand::Revoke { id } => {
            let key = app
                .revoke_key(&scope, id.parse().context("not a key id")?)
                .await?;
            output::print(json, &key, |k| format!("revoked key {}", k.id))?;
        }
        KeysCommand::RotateMaster { new_key_file } => {
            let new = MasterKey::from_hex(&read_secret_file(&new_key_file, "new master key")?)?;
            app.store().rotate_master_key(&new, app.now()).await?;
            output::print(json, &serde_json::json!({"rotated": "master"}), |_| {
                "data keys re-wrapped under the new master key; restart every instance with it"
                    .to_owned()
            })?;
        }
        KeysCommand::RotateData => {
            let id = app.store().add_data_key(app.now()).await?;
            output::print(json, &serde_json::json!({"active_data_key": id}), |_| {
                format!(
                    "data key {id} is now active for new writes (instances pick it up on restart)"
                )
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
