//! The console's user management (admins only): the list, disable (which ends the user's
//! sessions), enable, unlock after a lockout, each audited; other roles refused, forged forms
//! refused, an admin's own account protected, and every text escaped.

use axum::http::StatusCode;
use cloudkyc_domain::Role;

use super::console_support::{
    PASSWORD, Session, create_user, form, page, sign_in_as, sign_in_form, signed_in, submit,
};
use super::support::TestApp;

async fn audit_actions(test: &TestApp) -> Vec<String> {
    test.app
        .store()
        .audit_events(&test.operator, test.provider, 0, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

/// The id of the user with `email`.
async fn user_id(test: &TestApp, email: &str) -> String {
    test.app
        .find_console_user(&test.operator, email)
        .await
        .unwrap()
        .id
        .to_string()
}

async fn act(test: &TestApp, admin: &Session, id: &str, action: &str) -> StatusCode {
    submit(test, &format!("/console/users/{id}/{action}"), admin, &[])
        .await
        .status
}

#[tokio::test]
async fn an_admin_lists_users_and_disables_and_enables_one() {
    let test = TestApp::new().await;
    let admin = signed_in(&test, Role::Admin).await;
    create_user(&test, "ada@example.org", Role::Officer, None).await;
    let ada = sign_in_as(&test, "ada@example.org").await;
    let listing = page(&test, "/console/users", &admin).await;
    assert_eq!(listing.status, StatusCode::OK, "{}", listing.html());
    let html = listing.html();
    assert!(html.contains("ada@example.org") && html.contains("officer"));
    assert!(html.contains("(you)"), "the admin's own row is marked");
    assert!(
        html.contains("href=\"/console/users\""),
        "admins get the nav link"
    );

    let id = user_id(&test, "ada@example.org").await;
    assert_eq!(
        act(&test, &admin, &id, "disable").await,
        StatusCode::SEE_OTHER
    );
    // Disabled: the open session ends at once and signing in is refused.
    assert_eq!(
        page(&test, "/console", &ada).await.status,
        StatusCode::SEE_OTHER,
        "the disabled user's session ended"
    );
    assert_eq!(
        sign_in_form(&test, "ada@example.org", PASSWORD)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let html = page(&test, "/console/users", &admin).await.html();
    assert!(html.contains("disabled since"), "{html}");
    assert!(html.contains(&format!("/console/users/{id}/enable")));
    // Disabling twice changes nothing and says so.
    assert_eq!(
        act(&test, &admin, &id, "disable").await,
        StatusCode::CONFLICT
    );

    assert_eq!(
        act(&test, &admin, &id, "enable").await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        sign_in_form(&test, "ada@example.org", PASSWORD)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let actions = audit_actions(&test).await;
    for action in ["console_user.disable", "console_user.enable"] {
        assert_eq!(
            actions.iter().filter(|a| *a == action).count(),
            1,
            "{action} in {actions:?}"
        );
    }
}

#[tokio::test]
async fn an_admin_unlocks_a_locked_out_user_before_the_lockout_ends() {
    let test = TestApp::new().await;
    let admin = signed_in(&test, Role::Admin).await;
    create_user(&test, "bo@example.org", Role::Analyst, None).await;
    let id = user_id(&test, "bo@example.org").await;
    // Nothing to unlock yet: no unlock button, and the action is refused.
    let html = page(&test, "/console/users", &admin).await.html();
    assert!(!html.contains(&format!("/console/users/{id}/unlock")));
    assert_eq!(
        act(&test, &admin, &id, "unlock").await,
        StatusCode::CONFLICT
    );
    for _ in 0..5 {
        sign_in_form(&test, "bo@example.org", "a wrong password").await;
    }
    assert_eq!(
        sign_in_form(&test, "bo@example.org", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED,
        "locked out"
    );
    let html = page(&test, "/console/users", &admin).await.html();
    assert!(html.contains("locked out until"), "{html}");
    assert!(html.contains(&format!("/console/users/{id}/unlock")));
    assert_eq!(
        act(&test, &admin, &id, "unlock").await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        sign_in_form(&test, "bo@example.org", PASSWORD).await.status,
        StatusCode::SEE_OTHER,
        "unlocked without waiting"
    );
    assert!(
        audit_actions(&test)
            .await
            .contains(&"console_user.unlock".to_owned())
    );
}

#[tokio::test]
async fn other_roles_forged_forms_and_bad_paths_are_refused() {
    let test = TestApp::new().await;
    let admin = signed_in(&test, Role::Admin).await;
    create_user(&test, "cy@example.org", Role::Officer, None).await;
    let id = user_id(&test, "cy@example.org").await;
    for role in [Role::Officer, Role::Analyst, Role::Auditor] {
        let s = signed_in(&test, role).await;
        let listing = page(&test, "/console/users", &s).await;
        assert_eq!(listing.status, StatusCode::FORBIDDEN, "{role}");
        assert!(!listing.html().contains("cy@example.org"));
        let dashboard = page(&test, "/console", &s).await.html();
        assert!(
            !dashboard.contains("href=\"/console/users\""),
            "{role} sees no Users link"
        );
        assert_eq!(
            act(&test, &s, &id, "disable").await,
            StatusCode::FORBIDDEN,
            "{role}"
        );
    }
    // An admin cannot disable themselves (another admin must). The only admin so far is this one.
    let me = test
        .app
        .console_users(&test.operator)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.role == Role::Admin)
        .unwrap();
    let own = submit(
        &test,
        &format!("/console/users/{}/disable", me.id),
        &admin,
        &[],
    )
    .await;
    assert_eq!(own.status, StatusCode::CONFLICT, "{}", own.html());
    assert_eq!(page(&test, "/console", &admin).await.status, StatusCode::OK);
    // Forged or missing CSRF tokens: refused before anything changes.
    let other = signed_in(&test, Role::Admin).await;
    for fields in [
        vec![],
        vec![("csrf", "forged")],
        vec![("csrf", other.csrf.as_str())],
    ] {
        let answer = form(
            &test,
            &format!("/console/users/{id}/disable"),
            &admin,
            &fields,
        )
        .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN);
        assert!(answer.html().contains("Form expired"));
    }
    assert!(
        !audit_actions(&test)
            .await
            .contains(&"console_user.disable".to_owned()),
        "nothing was disabled"
    );
    // Unknown actions and ids are not found.
    assert_eq!(
        act(&test, &admin, &id, "delete").await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        act(&test, &admin, "not-a-uuid", "disable").await,
        StatusCode::NOT_FOUND
    );
    let unknown = uuid::Uuid::now_v7().to_string();
    assert_eq!(
        act(&test, &admin, &unknown, "disable").await,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn user_emails_are_escaped() {
    let test = TestApp::new().await;
    let admin = signed_in(&test, Role::Admin).await;
    // An email needs only one @ and no spaces, so markup fits in one.
    create_user(
        &test,
        "<script>alert(1)</script>@example.org",
        Role::Officer,
        None,
    )
    .await;
    let html = page(&test, "/console/users", &admin).await.html();
    assert!(
        !html.contains("<script>alert(1)</script>"),
        "raw HTML on the page"
    );
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;@example.org")
            || html.contains("&#60;script&#62;alert(1)&#60;/script&#62;@example.org"),
        "{html}"
    );
}
