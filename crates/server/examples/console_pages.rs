//! Server time of every console page on the demo data (issue 8: "every console page under
//! 100 ms server time on the demo data").
//!
//! `cargo run --release -p cloudkyc-server --example console_pages -- [--iterations N] [--check] [--target-ms MS] [--verbose]`
//!
//! Seeds the data set of `cloudkyc serve --demo` into a fresh SQLite database in a temporary
//! directory (customers, compute groups, ownership, resellers, the special measure, the demo
//! console users), runs the job queue dry as the server's job loop would (the measure's re-check
//! opens its cases), generates one written-CIP report through the console, then signs in as each
//! demo user and finds that user's pages: every link of every page reached from the dashboard
//! (under `/console`), every customer's profile, searches by name, email and document number,
//! the case queue's filters, the report preview and the identity reveal (POST forms). Each page
//! is requested `N` times (default 10) in-process through the whole router
//! (`tower::ServiceExt::oneshot`, no socket; the time includes reading the body), pages
//! interleaved, after one warm-up pass. Prints p50 / p99 / max per route and role, every page
//! whose p99 is over the target (100 ms), and any page that did not answer 200.
//! `--check` exits with status 1 when a page is over the target or did not answer.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use cloudkyc_app::console_users::demo::{DEMO_PASSWORD, DEMO_USERS};
use cloudkyc_app::jobs::JobRunner;
use cloudkyc_app::{App, SystemClock};
use cloudkyc_domain::rule_pack::{DEFAULT_PACK_ID, RulePack};
use cloudkyc_server::ServerConfig;
use cloudkyc_store::crypto::MasterKey;
use cloudkyc_store_sqlite::SqliteStore;
use tower::ServiceExt;

type Failure = Box<dyn std::error::Error + Send + Sync>;

/// The most pages one user's crawl collects (a link explosion would be a bug to look at).
const MAX_PAGES: usize = 5_000;

/// A documented demo customer: its name, email and document number drive the searches.
const AMARA: &str = include_str!("../../app/src/demo/amara_okafor.json");

#[derive(Debug)]
struct Args {
    iterations: usize,
    check: bool,
    target: Duration,
    verbose: bool,
}

fn args() -> Result<Args, Failure> {
    let mut args = Args {
        iterations: 10,
        check: false,
        target: Duration::from_millis(100),
        verbose: false,
    };
    let mut given = std::env::args().skip(1);
    while let Some(arg) = given.next() {
        let mut value = || given.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--check" => args.check = true,
            "--verbose" => args.verbose = true,
            "--iterations" => args.iterations = value()?.parse()?,
            "--target-ms" => {
                let ms: f64 = value()?.parse()?;
                if !(ms.is_finite() && ms > 0.0) {
                    return Err("--target-ms must be a positive number".into());
                }
                args.target = Duration::from_secs_f64(ms / 1e3);
            }
            other => return Err(format!("unknown argument {other:?}").into()),
        }
    }
    if args.iterations == 0 {
        return Err("--iterations must be positive".into());
    }
    Ok(args)
}

/// One page: a GET, or a POST form (its fields without the CSRF token, which is added).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Page {
    /// `GET` or `POST`.
    method: &'static str,
    path: String,
    fields: Vec<(String, String)>,
}

impl Page {
    fn get(path: impl Into<String>) -> Self {
        Self {
            method: "GET",
            path: path.into(),
            fields: Vec::new(),
        }
    }

    fn post(path: impl Into<String>, fields: &[(&str, &str)]) -> Self {
        Self {
            method: "POST",
            path: path.into(),
            fields: fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    /// The route with ids replaced (`/console/customers/{id}`) and query values dropped: the
    /// line of the summary this page counts in.
    fn route(&self) -> String {
        let (path, query) = self.path.split_once('?').unwrap_or((&self.path, ""));
        let mut route = String::new();
        for (i, segment) in path.split('/').enumerate().skip(1) {
            let generic = uuid::Uuid::parse_str(segment).is_ok()
                || (i == 3 && path.starts_with("/console/compute/"));
            route.push('/');
            route.push_str(if generic { "{id}" } else { segment });
        }
        let keys: BTreeSet<&str> = query
            .split('&')
            .filter_map(|pair| pair.split_once('=').map(|(k, _)| k))
            .collect();
        if !keys.is_empty() {
            route.push('?');
            route.push_str(&keys.into_iter().collect::<Vec<_>>().join("&"));
        }
        format!("{} {route}", self.method)
    }
}

/// A console answer as the harness reads it.
struct Answer {
    status: StatusCode,
    location: Option<String>,
    cookie: Option<String>,
    server_timing: bool,
    html: String,
    elapsed: Duration,
}

/// A signed-in browser (or an anonymous one, with an empty cookie).
struct Browser {
    router: Router,
    who: String,
    cookie: String,
    csrf: String,
}

impl Browser {
    async fn send(&self, page: &Page) -> Result<Answer, Failure> {
        let mut request = Request::builder()
            .method(page.method)
            .uri(&page.path)
            .header(header::COOKIE, &self.cookie);
        let body = if page.method == "POST" {
            request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            let mut fields = page.fields.clone();
            if !self.csrf.is_empty() {
                fields.push(("csrf".into(), self.csrf.clone()));
            }
            Body::from(serde_urlencoded::to_string(&fields)?)
        } else {
            Body::empty()
        };
        let started = Instant::now();
        let response = self.router.clone().oneshot(request.body(body)?).await?;
        let (parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX).await?;
        let elapsed = started.elapsed();
        let text = |name: header::HeaderName| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        Ok(Answer {
            status: parts.status,
            location: text(header::LOCATION),
            cookie: text(header::SET_COOKIE).and_then(|c| c.split(';').next().map(str::to_owned)),
            server_timing: parts.headers.contains_key("server-timing"),
            html: String::from_utf8_lossy(&bytes).into_owned(),
            elapsed,
        })
    }

    async fn sign_in(router: &Router, email: &str) -> Result<Self, Failure> {
        let mut browser = Self {
            router: router.clone(),
            who: email.split('@').next().unwrap_or(email).to_owned(),
            cookie: String::new(),
            csrf: String::new(),
        };
        let form = Page::post(
            "/console/sign-in",
            &[("email", email), ("password", DEMO_PASSWORD)],
        );
        let answer = browser.send(&form).await?;
        browser.cookie = match (answer.status, answer.cookie) {
            (StatusCode::SEE_OTHER, Some(cookie)) => cookie,
            (status, _) => return Err(format!("sign-in of {email} answered {status}").into()),
        };
        let dashboard = browser.send(&Page::get("/console")).await?;
        browser.csrf = csrf_of(&dashboard.html).ok_or("the dashboard has no CSRF token")?;
        Ok(browser)
    }
}

fn csrf_of(html: &str) -> Option<String> {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker)? + marker.len();
    html[start..].split('"').next().map(str::to_owned)
}

/// Every `href` of a page that leads to another console page (not the stylesheet, not the
/// sign-in page).
fn console_links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|href| {
            href.replace("&amp;", "&")
                .replace("&#x2f;", "/")
                .replace("&#47;", "/")
                .replace("&#39;", "'")
                .replace("&#x27;", "'")
                .replace("&quot;", "\"")
        })
        .filter(|href| {
            href.starts_with("/console")
                && !href.starts_with("/console/assets/")
                && !href.starts_with("/console/sign-")
        })
        .map(|href| href.split('#').next().unwrap_or_default().to_owned())
        .collect()
}

/// The pages a user reaches: the links of every page from `seeds` on, breadth first.
async fn crawl(browser: &Browser, seeds: Vec<Page>, broken: &mut Vec<String>) -> Vec<Page> {
    let mut seen: BTreeSet<Page> = seeds.iter().cloned().collect();
    let mut queue: VecDeque<Page> = seeds.into();
    let mut pages = Vec::new();
    while let Some(page) = queue.pop_front() {
        let answer = match browser.send(&page).await {
            Ok(answer) if answer.status == StatusCode::OK => answer,
            // A link the role may not follow (the navigation shows every section).
            Ok(answer) if answer.status == StatusCode::FORBIDDEN => {
                println!("{} {}: 403, not measured", browser.who, page.path);
                continue;
            }
            Ok(answer) => {
                broken.push(format!("{} {}: {}", browser.who, page.path, answer.status));
                continue;
            }
            Err(error) => {
                broken.push(format!("{} {}: {error}", browser.who, page.path));
                continue;
            }
        };
        for link in console_links(&answer.html) {
            let next = Page::get(link);
            if seen.len() < MAX_PAGES && seen.insert(next.clone()) {
                queue.push_back(next);
            }
        }
        pages.push(page);
    }
    pages
}

/// Where a user's crawl starts: the dashboard, the searches and filters (forms the crawl does
/// not fill in), every customer's profile, and the POST forms its role may send.
fn seeds(customers: &[String], may_decide: bool) -> Result<Vec<Page>, Failure> {
    let amara: serde_json::Value = serde_json::from_str(AMARA)?;
    let surname = amara["name"]["full"]
        .as_str()
        .and_then(|n| n.split_whitespace().last())
        .ok_or("no demo name")?;
    let email = amara["emails"][0].as_str().ok_or("no demo email")?;
    let document = amara["documents"][0]["number"]
        .as_str()
        .ok_or("no demo document")?;
    let query = |pairs: &[(&str, &str)]| serde_urlencoded::to_string(pairs).unwrap_or_default();
    let mut pages = vec![
        Page::get("/console"),
        Page::get(format!(
            "/console/customers?{}",
            query(&[("q", surname), ("by", "name")])
        )),
        Page::get(format!(
            "/console/customers?{}",
            query(&[("q", email), ("by", "email")])
        )),
        Page::get(format!(
            "/console/customers?{}",
            query(&[("q", document), ("by", "document")])
        )),
        Page::get("/console/customers?cip_status=pending&person_status=foreign"),
        Page::get("/console/cases?status=open"),
        Page::get("/console/cases?status=closed"),
        Page::get("/console/cases?kind=special_measure"),
        Page::get("/console/cases?overdue=on"),
    ];
    pages.extend(
        customers
            .iter()
            .map(|id| Page::get(format!("/console/customers/{id}"))),
    );
    if may_decide {
        let year = chrono::Utc::now().format("%Y").to_string();
        pages.push(Page::post(
            "/console/reports/preview",
            &[("kind", "certification-annual"), ("year", &year)],
        ));
        if let Some(first) = customers.first() {
            pages.push(Page::post(
                format!("/console/customers/{first}/reveal"),
                &[],
            ));
        }
    }
    Ok(pages)
}

/// The demo data set as `serve --demo` leaves it, behind the whole router.
async fn demo_router(dir: &std::path::Path) -> Result<(App, Router), Failure> {
    let url = format!("sqlite://{}", dir.join("cloudkyc.db").display());
    let store = Arc::new(SqliteStore::open(&url, &MasterKey::generate()).await?);
    let pack = Arc::new(RulePack::bundled(DEFAULT_PACK_ID).ok_or("no bundled pack")?);
    let app = App::new(store, Arc::new(SystemClock), pack);
    let started = Instant::now();
    let summary = cloudkyc_app::demo::seed(&app).await?;
    let scope = app
        .operator_scope(cloudkyc_app::demo::DEMO_PROVIDER)
        .await?;
    app.seed_demo_console_users(&scope).await?;
    let jobs = JobRunner::new(app.clone()).drain().await?;
    println!(
        "demo data: {} customers seeded, {} jobs run, in {:.1} s",
        summary.customers,
        jobs.completed,
        started.elapsed().as_secs_f64()
    );
    let mut config = ServerConfig::default();
    // One client sends thousands of requests: the limiter has its own tests.
    config.rate_limit.enabled = false;
    let router = cloudkyc_server::router(app.clone(), &config);
    Ok((app, router))
}

/// Every customer id of the provider and its reseller, newest first.
async fn customer_ids(app: &App) -> Result<Vec<String>, Failure> {
    let scope = app
        .operator_scope(cloudkyc_app::demo::DEMO_PROVIDER)
        .await?;
    let (mut ids, mut after) = (Vec::new(), None);
    loop {
        let page = app.list_customers(&scope, after, 500).await?;
        after = page.last().map(|c| c.id);
        ids.extend(page.iter().map(|c| c.id.to_string()));
        if page.len() < 500 {
            return Ok(ids);
        }
    }
}

/// Milliseconds at quantile `q` of sorted samples.
fn quantile(sorted: &[Duration], q: f64) -> f64 {
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1].as_secs_f64() * 1e3
}

fn line(name: &str, pages: usize, samples: &mut [Duration], target: Duration) -> (f64, String) {
    samples.sort();
    let (p50, p99) = (quantile(samples, 0.5), quantile(samples, 0.99));
    let max = quantile(samples, 1.0);
    let flag = if p99 > target.as_secs_f64() * 1e3 {
        "  OVER TARGET"
    } else {
        ""
    };
    let text = format!(
        "{name:<58} {pages:>5} {:>7} {p50:>9.2} {p99:>9.2} {max:>9.2}{flag}",
        samples.len()
    );
    (p99, text)
}

#[tokio::main]
async fn main() -> Result<ExitCode, Failure> {
    let args = args()?;
    let dir = tempfile::tempdir()?;
    let (app, router) = demo_router(dir.path()).await?;
    let customers = customer_ids(&app).await?;

    let mut broken = Vec::new();
    let anonymous = Browser {
        router: router.clone(),
        who: "anonymous".into(),
        cookie: String::new(),
        csrf: String::new(),
    };
    let mut browsers = vec![(anonymous, vec![Page::get("/console/sign-in")])];
    for (email, role) in DEMO_USERS {
        let browser = Browser::sign_in(&router, email).await?;
        let may_decide = role.allows(cloudkyc_domain::Permission::DecideCases);
        if role == cloudkyc_domain::Role::Admin {
            // One kept report, so that its page and downloads are measured too.
            let form = Page::post("/console/reports", &[("kind", "written-cip")]);
            let answer = browser.send(&form).await?;
            if answer.status != StatusCode::SEE_OTHER {
                broken.push(format!(
                    "{email}: generating a report answered {}",
                    answer.status
                ));
            }
            println!("report generated: {:?}", answer.location);
        }
        let pages = crawl(&browser, seeds(&customers, may_decide)?, &mut broken).await;
        browsers.push((browser, pages));
    }
    for (browser, pages) in &browsers {
        println!("{}: {} pages", browser.who, pages.len());
    }

    // Samples per (user, page); the crawl was the warm-up pass.
    let mut samples: BTreeMap<(String, Page), Vec<Duration>> = BTreeMap::new();
    let mut without_timing = BTreeSet::new();
    for _ in 0..args.iterations {
        for (browser, pages) in &browsers {
            for page in pages {
                let answer = browser.send(page).await?;
                if answer.status != StatusCode::OK {
                    broken.push(format!("{} {}: {}", browser.who, page.path, answer.status));
                }
                if !answer.server_timing {
                    without_timing.insert(page.route());
                }
                samples
                    .entry((browser.who.clone(), page.clone()))
                    .or_default()
                    .push(answer.elapsed);
            }
        }
    }

    println!(
        "\nserver time in ms, {} requests per page (in-process; target p99 < {} ms)",
        args.iterations,
        args.target.as_millis()
    );
    println!(
        "{:<58} {:>5} {:>7} {:>9} {:>9} {:>9}",
        "user / route", "pages", "samples", "p50", "p99", "max"
    );
    let mut by_route: BTreeMap<String, (usize, Vec<Duration>)> = BTreeMap::new();
    for ((who, page), times) in &samples {
        let entry = by_route
            .entry(format!("{who} {}", page.route()))
            .or_default();
        entry.0 += 1;
        entry.1.extend(times);
    }
    for (route, (pages, times)) in &mut by_route {
        println!("{}", line(route, *pages, times, args.target).1);
    }
    let mut over = Vec::new();
    for ((who, page), times) in &mut samples {
        let name = format!("{who} {} {}", page.method, page.path);
        let (p99, text) = line(&name, 1, times, args.target);
        if args.verbose {
            println!("{text}");
        }
        if p99 > args.target.as_secs_f64() * 1e3 {
            over.push(text);
        }
    }
    if !over.is_empty() {
        println!("\npages over the target:");
        over.iter().for_each(|text| println!("{text}"));
    }
    broken.sort();
    broken.dedup();
    if !broken.is_empty() {
        println!("\npages that did not answer as expected:");
        broken.iter().for_each(|b| println!("  {b}"));
    }
    if !without_timing.is_empty() {
        println!("\nroutes without a Server-Timing header: {without_timing:?}");
    }
    let slowest = samples
        .values()
        .flatten()
        .max()
        .map_or(0.0, |d| d.as_secs_f64() * 1e3);
    println!(
        "\n{} pages, slowest request {slowest:.2} ms; {} over the target, {} not answered",
        samples.len(),
        over.len(),
        broken.len()
    );
    let failed = !over.is_empty() || !broken.is_empty() || !without_timing.is_empty();
    Ok(if args.check && failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
