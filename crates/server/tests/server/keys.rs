//! API keys end to end, and tenant isolation.

use axum::http::{StatusCode, header};
use chrono::Utc;
use cloudkyc_domain::{Role, TenantKind};
use cloudkyc_store::api_key::NewKey;
use serde_json::{Value, json};

use super::support::TestApp;

fn ids(list: &Value) -> Vec<String> {
    list["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn keys_are_created_listed_used_and_revoked() {
    let t = TestApp::new().await;
    let response = t
        .post(
            "/v1/keys",
            Some(&t.admin),
            &json!({"role": "analyst", "name": "case desk", "expires_at": "2027-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(response.header(header::CACHE_CONTROL), Some("no-store"));
    let created = response.ok(StatusCode::CREATED);
    assert_eq!(created["role"], "analyst");
    assert_eq!(created["name"], "case desk");
    assert_eq!(created["tenant"], t.provider.to_string());
    assert_eq!(created["expires_at"], "2027-01-01T00:00:00Z");
    assert!(created["revoked_at"].is_null());
    let secret = created["secret"].as_str().unwrap().to_owned();
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("ck_"));

    // The new key works, with its own role's rights.
    t.get("/v1/tenants", Some(&secret)).await.ok(StatusCode::OK);
    t.get("/v1/keys", Some(&secret))
        .await
        .problem(StatusCode::FORBIDDEN);

    // Listed, never with its secret.
    let list = t.get("/v1/keys", Some(&t.admin)).await;
    assert!(ids(&list.ok(StatusCode::OK)).contains(&id));
    assert!(!String::from_utf8_lossy(&list.body).contains(&secret));
    assert!(!String::from_utf8_lossy(&list.body).contains("secret"));

    let revoked = t
        .delete(&format!("/v1/keys/{id}"), Some(&t.admin))
        .await
        .ok(StatusCode::OK);
    assert_eq!(revoked["id"], id.as_str());
    assert!(revoked["revoked_at"].is_string());
    t.get("/v1/tenants", Some(&secret))
        .await
        .problem(StatusCode::UNAUTHORIZED);

    // Revoking again answers the same record.
    let again = t
        .delete(&format!("/v1/keys/{id}"), Some(&t.admin))
        .await
        .ok(StatusCode::OK);
    assert_eq!(again["revoked_at"], revoked["revoked_at"]);
}

#[tokio::test]
async fn unknown_keys_and_tenants_are_404() {
    let t = TestApp::new().await;
    let missing = uuid::Uuid::new_v4();
    t.delete(&format!("/v1/keys/{missing}"), Some(&t.admin))
        .await
        .problem(StatusCode::NOT_FOUND);
    let body = json!({"role": "analyst", "name": "x", "tenant": missing});
    t.post("/v1/keys", Some(&t.admin), &body)
        .await
        .problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_provider_manages_its_resellers_keys() {
    let t = TestApp::new().await;
    let body = json!({"role": "reseller", "name": "nimbus platform", "tenant": t.reseller});
    let created = t
        .post("/v1/keys", Some(&t.admin), &body)
        .await
        .ok(StatusCode::CREATED);
    assert_eq!(created["tenant"], t.reseller.to_string());
    let id = created["id"].as_str().unwrap();

    let list = t.get("/v1/keys", Some(&t.admin)).await.ok(StatusCode::OK);
    assert!(ids(&list).iter().any(|k| k == id));
    t.delete(&format!("/v1/keys/{id}"), Some(&t.admin))
        .await
        .ok(StatusCode::OK);

    // A reseller tenant's keys take the reseller role, and only they do.
    let wrong = json!({"role": "admin", "name": "x", "tenant": t.reseller});
    assert_eq!(
        t.post("/v1/keys", Some(&t.admin), &wrong)
            .await
            .invalid_paths(),
        ["/role"]
    );
}

#[tokio::test]
async fn a_tenant_never_sees_or_touches_another_tenants_keys() {
    let t = TestApp::new().await;
    // A sibling reseller, and an admin key on each reseller made directly in the store (the use
    // case would refuse the role): the scopes alone must keep the tenants apart.
    let sibling = t
        .app
        .store()
        .create_tenant(
            &t.operator,
            t.provider,
            "Stratus Hosting GmbH",
            TenantKind::Reseller,
            Utc::now(),
        )
        .await
        .unwrap()
        .id;
    let operator = t.app.operator_scope("Test Cloud Inc.").await.unwrap();
    let admin_of = async |tenant| {
        let new = NewKey {
            tenant,
            role: Role::Admin,
            name: "reseller admin".into(),
            expires_at: None,
        };
        t.app
            .store()
            .create_key(&operator, new, t.app.now())
            .await
            .unwrap()
    };
    let nimbus = admin_of(t.reseller).await;
    let stratus = admin_of(sibling).await;
    let nimbus_secret = nimbus.secret.expose();
    let provider_keys = ids(&t.get("/v1/keys", Some(&t.admin)).await.ok(StatusCode::OK));

    // The reseller lists only its own keys.
    let listed = ids(&t
        .get("/v1/keys", Some(nimbus_secret))
        .await
        .ok(StatusCode::OK));
    assert_eq!(listed, [nimbus.key.id.to_string()]);

    // The provider's and the sibling's keys do not exist for it: 404, and they keep working.
    for other in [provider_keys[0].clone(), stratus.key.id.to_string()] {
        t.delete(&format!("/v1/keys/{other}"), Some(nimbus_secret))
            .await
            .problem(StatusCode::NOT_FOUND);
    }
    t.get("/v1/tenants", Some(stratus.secret.expose()))
        .await
        .ok(StatusCode::OK);
    t.get("/v1/tenants", Some(&t.admin))
        .await
        .ok(StatusCode::OK);

    // Nor may it create keys for them.
    for tenant in [t.provider, sibling] {
        let body = json!({"role": "reseller", "name": "x", "tenant": tenant});
        t.post("/v1/keys", Some(nimbus_secret), &body)
            .await
            .problem(StatusCode::NOT_FOUND);
    }

    // It sees its own tenant only; the provider sees all three.
    let tenants = t
        .get("/v1/tenants", Some(nimbus_secret))
        .await
        .ok(StatusCode::OK);
    let names: Vec<&str> = tenants["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Nimbus Cloud Pte Ltd"]);
    let tenants = t
        .get("/v1/tenants", Some(&t.admin))
        .await
        .ok(StatusCode::OK);
    assert_eq!(tenants["tenants"].as_array().unwrap().len(), 3);

    // The provider, an ancestor, sees and revokes the reseller's key.
    let all = ids(&t.get("/v1/keys", Some(&t.admin)).await.ok(StatusCode::OK));
    assert!(all.contains(&nimbus.key.id.to_string()) && all.contains(&stratus.key.id.to_string()));
    t.delete(&format!("/v1/keys/{}", stratus.key.id), Some(&t.admin))
        .await
        .ok(StatusCode::OK);
    t.get("/v1/tenants", Some(stratus.secret.expose()))
        .await
        .problem(StatusCode::UNAUTHORIZED);
}
