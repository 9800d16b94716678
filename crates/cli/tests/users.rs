//! `cloudkyc users`: console users created with a generated or piped password, listed without
//! hashes, and a taken email refused; disabled, enabled and unlocked by id or email.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const MASTER_KEY: &str = "6f0c1e2d3b4a59687766554433221100ffeeddccbbaa99887766554433221100";

fn cloudkyc(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cloudkyc"))
        .args(args)
        .current_dir(dir)
        .env_remove("CLOUDKYC_DATABASE_URL")
        .env_remove("CLOUDKYC_POLICY")
        .env("CLOUDKYC_MASTER_KEY", MASTER_KEY)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut pipe = child.stdin.take().expect("stdin");
    if let Some(text) = stdin {
        pipe.write_all(text.as_bytes()).expect("write stdin");
    }
    drop(pipe);
    child.wait_with_output().expect("the binary ends")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn users_are_created_with_a_generated_or_piped_password() {
    let dir = tempfile::tempdir().expect("tempdir");
    let create = [
        "users",
        "create",
        "--email",
        "Ada@Example.org",
        "--role",
        "officer",
    ];
    let out = cloudkyc(dir.path(), &create, None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let password = stdout.lines().last().expect("a last line");
    assert_eq!(password.len(), 20, "{stdout}");
    assert!(stdout.contains("ada@example.org"), "{stdout}");

    let again = cloudkyc(dir.path(), &create, None);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        text(&again.stderr).contains("exists"),
        "{}",
        text(&again.stderr)
    );

    let piped = [
        "--json",
        "users",
        "create",
        "--email",
        "bo@example.org",
        "--role",
        "auditor",
    ];
    let out = cloudkyc(dir.path(), &piped, Some("a piped passphrase here\n"));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let created: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(created["role"], "auditor");
    assert!(
        created.get("password").is_none(),
        "a piped password is never printed"
    );

    let short = [
        "users",
        "create",
        "--email",
        "cy@example.org",
        "--role",
        "officer",
    ];
    let out = cloudkyc(dir.path(), &short, Some("short\n"));
    assert_eq!(out.status.code(), Some(1));

    let listed = cloudkyc(dir.path(), &["users", "list"], None);
    let listing = text(&listed.stdout);
    assert!(listing.contains("ada@example.org") && listing.contains("bo@example.org"));
    assert!(
        !listing.contains("argon2") && !listing.contains(password),
        "{listing}"
    );
}

#[test]
fn users_are_disabled_enabled_and_unlocked_by_id_or_email() {
    let dir = tempfile::tempdir().expect("tempdir");
    let create = [
        "--json",
        "users",
        "create",
        "--email",
        "ada@example.org",
        "--role",
        "officer",
    ];
    let out = cloudkyc(dir.path(), &create, None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let created: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let id = created["id"].as_str().expect("an id").to_owned();

    let disabled = cloudkyc(dir.path(), &["users", "disable", "ADA@example.org"], None);
    assert!(disabled.status.success(), "{}", text(&disabled.stderr));
    assert!(text(&disabled.stdout).contains("disabled console user ada@example.org"));
    let listing = text(&cloudkyc(dir.path(), &["users", "list"], None).stdout);
    assert!(listing.contains("disabled "), "{listing}");

    let again = cloudkyc(dir.path(), &["users", "disable", &id], None);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        text(&again.stderr).contains("already disabled"),
        "{}",
        text(&again.stderr)
    );

    let enabled = cloudkyc(dir.path(), &["--json", "users", "enable", &id], None);
    assert!(enabled.status.success(), "{}", text(&enabled.stderr));
    let user: serde_json::Value = serde_json::from_slice(&enabled.stdout).expect("json");
    assert!(user["disabled_at"].is_null(), "{user}");
    let listing = text(&cloudkyc(dir.path(), &["users", "list"], None).stdout);
    assert!(listing.contains("active"), "{listing}");

    // Nobody failed to sign in, so there is nothing to unlock; an unknown user is not found.
    let unlock = cloudkyc(dir.path(), &["users", "unlock", &id], None);
    assert_eq!(unlock.status.code(), Some(1));
    assert!(
        text(&unlock.stderr).contains("not locked out"),
        "{}",
        text(&unlock.stderr)
    );
    let unknown = cloudkyc(
        dir.path(),
        &["users", "disable", "nobody@example.org"],
        None,
    );
    assert_eq!(unknown.status.code(), Some(1));
}
