use super::*;

#[test]
fn emails_are_trimmed_lower_cased_and_checked() {
    assert_eq!(
        normalise_email("  Ada@Example.ORG ").unwrap(),
        "ada@example.org"
    );
    for bad in [
        "",
        "ada",
        "@example.org",
        "ada@",
        "a da@example.org",
        "a@b@c",
    ] {
        assert!(normalise_email(bad).is_err(), "{bad}");
    }
}

#[test]
fn the_csrf_token_is_per_session_and_compared_exactly() {
    let (a, b) = (new_token(), new_token());
    assert_ne!(a.csrf(), b.csrf());
    assert_ne!(
        a.csrf(),
        a.sha256(),
        "the CSRF token must not reveal the stored hash"
    );
    assert_eq!(format!("{a:?}"), "SessionToken(..)");
}
