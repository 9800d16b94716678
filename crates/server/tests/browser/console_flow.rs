//! The demo in a browser: sign in, the dashboard, find a customer and its timeline, work a
//! high-priority case to closed (an officer assigns, comments, escalates and proposes a decision;
//! an admin, the second pair of eyes, approves it), the admin's user management, the compute,
//! reseller, measure and list pages, generate and sign off a report, sign out; a screenshot of
//! each page.

use cloudkyc_app::console_users::demo::{DEMO_PASSWORD, DEMO_USERS};
use cloudkyc_domain::Role;

use super::demo_server::DemoServer;
use super::driver::{self, Driver};
use super::screenshots;
use super::webdriver::Session;

const WIDTH: u32 = 1280;
const HEIGHT: u32 = 800;

struct Tour<'a> {
    browser: &'a Session,
    server: &'a DemoServer,
}

impl Tour<'_> {
    async fn open(&self, path: &str) {
        self.browser.goto(&self.server.url(path)).await.unwrap();
    }

    async fn heading(&self) -> String {
        let h1 = self.browser.find("h1").await.unwrap();
        self.browser.text(&h1).await.unwrap()
    }

    async fn page_text(&self) -> String {
        let body = self.browser.find("body").await.unwrap();
        self.browser.text(&body).await.unwrap()
    }

    async fn path(&self) -> String {
        let url = self.browser.current_url().await.unwrap();
        url.trim_start_matches(&self.server.url("")).to_owned()
    }

    async fn shot(&self, name: &str) {
        let path = screenshots::save(name, &self.browser.screenshot().await.unwrap());
        eprintln!("screenshot: {}", path.display());
    }

    /// Clicks a link or submit button and waits until the page it leads to has replaced this
    /// one (the clicked element goes stale), so what follows never reads the old page.
    async fn click(&self, selector: &str) {
        let element = self.browser.find(selector).await.unwrap();
        self.browser.click(&element).await.unwrap();
        for _ in 0..300 {
            if self.browser.attribute(&element, "id").await.is_err() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("clicking {selector} led nowhere within 30 s");
    }

    /// Waits until the browser is on a page under `prefix` (after a click that navigates).
    async fn wait_for_path_prefix(&self, prefix: &str) {
        for _ in 0..300 {
            if self.path().await.starts_with(prefix) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("never reached {prefix} within 30 s");
    }

    async fn fill(&self, selector: &str, text: &str) {
        let element = self.browser.find(selector).await.unwrap();
        self.browser.fill(&element, text).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_is_workable_in_a_browser() {
    let located = match driver::locate() {
        Ok(Some(located)) => located,
        Ok(None) => {
            eprintln!(
                "skipped: no chromedriver (install chromium-driver or set {})",
                driver::DRIVER_VARIABLE
            );
            return;
        }
        Err(e) => panic!("{e}"),
    };
    let server = DemoServer::start().await;
    let driver = Driver::spawn(&located).await.unwrap();
    let browser = Session::start(&driver.url, located.chromium.as_deref(), WIDTH, HEIGHT)
        .await
        .unwrap();
    let tour = Tour {
        browser: &browser,
        server: &server,
    };
    sign_in(&tour).await;
    customer_and_cases(&tour).await;
    let case = work_a_case(&tour).await;
    sign_out(&tour).await;
    sign_in_as(&tour, Role::Admin).await;
    approve_and_close(&tour, &case).await;
    users(&tour).await;
    oversight_pages(&tour).await;
    report(&tour).await;
    sign_out(&tour).await;
    browser.quit().await.unwrap();
    drop(driver);
    server.stop().await;
}

async fn sign_in(tour: &Tour<'_>) {
    tour.open("/console").await;
    assert_eq!(tour.path().await, "/console/sign-in", "not signed in yet");
    tour.shot("sign-in").await;
    sign_in_as(tour, Role::Officer).await;
    tour.shot("dashboard").await;
}

/// Signs in as the demo user of `role` from the sign-in page.
async fn sign_in_as(tour: &Tour<'_>, role: Role) {
    tour.open("/console/sign-in").await;
    let (email, _) = DEMO_USERS.iter().find(|(_, r)| *r == role).unwrap();
    tour.fill("#email", email).await;
    tour.fill("#password", DEMO_PASSWORD).await;
    tour.click("form[action='/console/sign-in'] button[type=submit]")
        .await;
    assert_eq!(tour.path().await, "/console");
    assert_eq!(tour.heading().await, "Dashboard");
    let who = tour.browser.find("header .who").await.unwrap();
    assert!(tour.browser.text(&who).await.unwrap().contains(email));
}

async fn customer_and_cases(tour: &Tour<'_>) {
    // The search form's GET, as typing "Amara" and pressing Search sends it.
    tour.open("/console/customers?q=Amara").await;
    tour.click("main table a[href^='/console/customers/']")
        .await;
    let customer = tour.path().await;
    assert!(customer.starts_with("/console/customers/"));
    tour.shot("customer").await;
    // The timeline: onboarding, verification attempts and the latest screening.
    tour.open(&format!("{customer}#timeline")).await;
    let text = tour.page_text().await;
    assert!(
        text.contains("Onboarded") && text.contains("Latest screening"),
        "{text}"
    );
    tour.shot("customer-timeline").await;
}

/// Opens a high-priority case from the queue (closing one takes a second officer) and, as the
/// officer, assigns it, comments, escalates and proposes a decision. Returns the case's path.
async fn work_a_case(tour: &Tour<'_>) -> String {
    tour.open("/console/cases").await;
    assert_eq!(tour.heading().await, "Cases");
    tour.shot("cases").await;
    let rows = tour.browser.find_all("main table tbody tr").await.unwrap();
    let mut chosen = None;
    for row in &rows {
        // The queue's columns: due, case, kind, status, priority, assignee.
        let Ok(status) = tour.browser.find_in(row, "td:nth-child(4)").await else {
            continue;
        };
        let priority = tour.browser.find_in(row, "td:nth-child(5)").await.unwrap();
        let status = tour.browser.text(&status).await.unwrap();
        if tour.browser.text(&priority).await.unwrap() == "high" && status == "open" {
            chosen = Some(row.clone());
            break;
        }
    }
    let row = chosen.expect("the demo queue has an open high-priority case");
    let link = tour
        .browser
        .find_in(&row, "a[href^='/console/cases/']")
        .await
        .unwrap();
    tour.browser.click(&link).await.unwrap();
    tour.wait_for_path_prefix("/console/cases/").await;
    let case = tour.path().await;

    // A blank "assign to" assigns the case to the signed-in officer.
    tour.click("form[action$='/assign'] button[type=submit]")
        .await;
    assert!(tour.page_text().await.contains("investigating"));
    tour.fill(
        "#comment-text",
        "Date of birth and nationality differ from the list entry.",
    )
    .await;
    tour.click("form[action$='/comment'] button[type=submit]")
        .await;
    tour.fill(
        "#escalate-text",
        "A second look before closing: high priority.",
    )
    .await;
    tour.click("form[action$='/escalate'] button[type=submit]")
        .await;
    assert!(tour.page_text().await.contains("escalated"));
    tour.browser
        .select("#decide-outcome", "false_positive")
        .await
        .unwrap();
    tour.fill(
        "#decide-text",
        "Different person: identifiers do not match.",
    )
    .await;
    tour.click("form[action$='/decide'] button[type=submit]")
        .await;
    let text = tour.page_text().await;
    assert!(text.contains("Awaiting approval"), "four-eyes: {text}");
    assert!(
        text.contains("Date of birth and nationality differ"),
        "the comment is on the timeline: {text}"
    );
    // Four-eyes: the proposer's own approval is refused.
    tour.click("form[action$='/approve'] button[type=submit]")
        .await;
    assert!(tour.page_text().await.contains("cannot also approve"));
    tour.open(&case).await;
    tour.shot("case").await;
    case
}

/// As the admin: approves the pending decision, and the case shows closed.
async fn approve_and_close(tour: &Tour<'_>, case: &str) {
    tour.open(case).await;
    assert!(tour.page_text().await.contains("Awaiting approval"));
    tour.click("form[action$='/approve'] button[type=submit]")
        .await;
    assert_eq!(tour.path().await, case);
    let status = tour.browser.find("dl.facts").await.unwrap();
    let facts = tour.browser.text(&status).await.unwrap();
    assert!(facts.contains("closed (false_positive)"), "{facts}");
    assert!(!facts.contains("Awaiting approval"), "{facts}");
    assert!(tour.page_text().await.contains("approval given"));
    tour.shot("case-closed").await;
}

/// As the admin: the console users, each with its state and the actions it allows.
async fn users(tour: &Tour<'_>) {
    tour.click("nav a[href='/console/users']").await;
    assert_eq!(tour.heading().await, "Users");
    let text = tour.page_text().await;
    for (email, _) in DEMO_USERS {
        assert!(text.contains(email), "{email} missing: {text}");
    }
    tour.shot("users").await;
}

async fn oversight_pages(tour: &Tour<'_>) {
    tour.open("/console/compute").await;
    assert_eq!(tour.heading().await, "Compute monitor");
    // The demo's foreign owner group projects past the threshold: open each group until one
    // shows it, as an officer would.
    let links = tour
        .browser
        .find_all("main table a[href^='/console/compute/']")
        .await
        .unwrap();
    assert!(links.len() >= 3, "the demo has several owner groups");
    let mut hrefs = Vec::new();
    for link in &links {
        hrefs.push(tour.browser.attribute(link, "href").await.unwrap().unwrap());
    }
    let mut found = false;
    for href in hrefs {
        tour.open(&href).await;
        tour.browser.find("svg.graph").await.unwrap();
        if tour.page_text().await.contains("report case") {
            found = true;
            break;
        }
    }
    assert!(found, "no owner group shows an AI-training report case");
    assert!(tour.page_text().await.contains("Training threshold"));
    tour.shot("compute").await;

    tour.open("/console/resellers").await;
    let text = tour.page_text().await;
    assert!(
        text.contains("terminate by"),
        "the non-compliant reseller's clock: {text}"
    );
    tour.shot("resellers").await;

    tour.open("/console/measures").await;
    tour.click("main h2 a[href^='/console/measures/']").await;
    let text = tour.page_text().await;
    assert!(text.contains("Customers reached"), "{text}");
    assert!(
        text.contains("close"),
        "the demo measure closes accounts: {text}"
    );
    tour.shot("measure").await;

    tour.open("/console/lists").await;
    assert!(tour.page_text().await.contains("in force"));
    tour.shot("lists").await;
}

async fn report(tour: &Tour<'_>) {
    tour.open("/console/reports").await;
    tour.browser.select("#kind", "written-cip").await.unwrap();
    tour.fill("#officer_name", "Ngozi Adeyemi").await;
    tour.fill("#officer_title", "Chief Compliance Officer")
        .await;
    tour.click("form[action='/console/reports/preview'] button[type=submit]")
        .await;
    assert_eq!(tour.heading().await, "Preview and sign off");
    assert!(tour.page_text().await.contains("Ngozi Adeyemi"));
    tour.click("form[action='/console/reports'] button[type=submit]")
        .await;
    let path = tour.path().await;
    assert!(path.starts_with("/console/reports/"), "{path}");
    let text = tour.page_text().await;
    assert!(
        text.contains("written-cip") && text.contains("SHA-256"),
        "{text}"
    );
    let pdf = tour.browser.find("a[href$='/pdf']").await.unwrap();
    assert!(
        tour.browser
            .attribute(&pdf, "href")
            .await
            .unwrap()
            .is_some()
    );
    tour.shot("report").await;
}

async fn sign_out(tour: &Tour<'_>) {
    tour.click("form.signout button[type=submit]").await;
    tour.open("/console").await;
    assert_eq!(tour.path().await, "/console/sign-in", "signed out");
}
