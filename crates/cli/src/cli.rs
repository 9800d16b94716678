use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// cloudkyc: customer identification, screening, special measures and AI-training compute
/// monitoring for cloud (IaaS) providers.
#[derive(Debug, Parser)]
#[command(name = "cloudkyc", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Configuration file (TOML). Default: ./cloudkyc.toml when it exists.
    #[arg(long, global = true, env = "CLOUDKYC_CONFIG")]
    pub config: Option<PathBuf>,
    /// Database URL: sqlite://PATH or postgres://... (env CLOUDKYC_DATABASE_URL).
    #[arg(long, global = true)]
    pub database_url: Option<String>,
    /// Rule pack: a bundled pack id or a TOML file (env CLOUDKYC_POLICY).
    #[arg(long, global = true)]
    pub policy: Option<String>,
    /// Print JSON instead of human-readable text.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the API, the console and the background jobs.
    Serve(ServeArgs),
    /// Create, list and revoke API keys; rotate encryption keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Console users: the people who sign in to the web console.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Check the tamper-evident audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Tenants: the provider and its resellers.
    #[command(subcommand)]
    Tenants(TenantsCommand),
    /// Rule packs: show the active one, check a file.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Restricted-party lists: import files, download updates, show what is in force.
    #[command(subcommand)]
    Lists(ListsCommand),
    /// Screen one name against the restricted-party lists; prints hits with scores and
    /// explanations.
    Screen {
        name: String,
        /// person, organization, vessel or aircraft.
        #[arg(long, value_parser = ["person", "organization", "vessel", "aircraft"])]
        schema: Option<String>,
        /// A country (ISO code or name) the party is linked to.
        #[arg(long)]
        country: Option<String>,
        /// Date of birth: YYYY, YYYY-MM or YYYY-MM-DD.
        #[arg(long)]
        dob: Option<String>,
        /// At most this many hits.
        #[arg(long, default_value_t = 10)]
        limit: usize,
    },
    /// Score name pairs from a CSV with a header holding name1,name2 (and optionally schema);
    /// writes the rows to stdout with two added columns, score and match.
    Match {
        #[arg(long)]
        pairs: PathBuf,
    },
    /// Training-compute estimates.
    #[command(subcommand)]
    Compute(ComputeCommand),
    /// Usage records and reservations.
    #[command(subcommand)]
    Usage(UsageCommand),
    /// Ownership structures: import a customer's chain of holding companies, show its owners.
    #[command(subcommand)]
    Ownership(crate::commands::ownership::OwnershipCommand),
    /// Regulator reports from the records: writes DIR/KIND.json and DIR/KIND.pdf.
    Report(crate::commands::report::ReportArgs),
    /// Records retention: what is due for purge and held; the purge the daily job runs.
    #[command(subcommand)]
    Retention(crate::commands::retention::RetentionCommand),
    /// Print the commented example configuration file.
    DefaultConfig,
    /// Apply database migrations and exit (every command also applies them on start).
    Migrate,
    /// Copy the SQLite database to FILE while the server keeps running (PostgreSQL: pg_dump).
    Backup {
        /// Where the copy goes; must not exist.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (env CLOUDKYC_SERVER__LISTEN).
    #[arg(long)]
    pub listen: Option<String>,
    /// Load the demonstration data set (idempotent) and print how to log in.
    #[arg(long)]
    pub demo: bool,
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create a console user. The password is the first line piped on standard input (at
    /// least 12 characters); without one it is generated and printed alone on the last line of
    /// stdout, once.
    Create {
        #[arg(long)]
        email: String,
        /// admin, officer, analyst, reseller or auditor.
        #[arg(long)]
        role: String,
        /// Tenant id (default: the provider tenant).
        #[arg(long)]
        tenant: Option<String>,
    },
    /// List console users (never their password hashes).
    List,
    /// Disable a console user: no more sign-ins, and its open sessions end. Audited.
    Disable {
        /// The user's id or email.
        user: String,
    },
    /// Enable a disabled console user again. Audited.
    Enable {
        /// The user's id or email.
        user: String,
    },
    /// Unlock a console user locked out by failed sign-ins, before the lockout ends. Audited.
    Unlock {
        /// The user's id or email.
        user: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create an API key; the secret is printed alone on the last line of stdout, once.
    Create {
        /// admin, officer, analyst, integration, reseller or auditor.
        #[arg(long)]
        role: String,
        /// Tenant id (default: the provider tenant, created on an empty database).
        #[arg(long)]
        tenant: Option<String>,
        /// A name that says what the key is for.
        #[arg(long, default_value = "cli")]
        name: String,
        /// Expiry as an RFC 3339 time (for example 2027-01-31T00:00:00Z).
        #[arg(long)]
        expires: Option<String>,
    },
    /// List keys (never their secrets).
    List,
    /// Revoke a key by id.
    Revoke { id: String },
    /// Re-wrap the data keys under a new master key (from a file holding 64 hex characters).
    RotateMaster {
        #[arg(long)]
        new_key_file: PathBuf,
    },
    /// Add a new active data key; existing ciphertexts stay readable.
    RotateData,
}

#[derive(Debug, Subcommand)]
pub enum UsageCommand {
    /// Import usage records (or, with --reservations, reservations) from a JSON array or NDJSON
    /// file, exactly as `POST /v1/usage` takes them; prints the accepted, duplicate and rejected
    /// counts. Idempotent on the record id.
    Import {
        file: PathBuf,
        /// The file holds reservations (`POST /v1/reservations`).
        #[arg(long)]
        reservations: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ListsCommand {
    /// Parse and store list files and put them in force. OFAC's legacy CSV files (primary,
    /// add, alt, comments) given together form one list; any other file is one list each.
    Import {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// ofac_csv, un_xml, csl_csv, csl_json, dpl_tsv, ftm_jsonl or a custom_csv JSON object
        /// (default: from the file name).
        #[arg(long)]
        format: Option<String>,
        /// The list id (default: from the format or file name: ofac_sdn, ofac_cons, un_sc, ...).
        #[arg(long)]
        list: Option<String>,
    },
    /// Download every configured list now (fails closed: a bad download keeps the list in
    /// force); exit 1 when any list failed.
    Update,
    /// Every list in force: version, hash, publication date, entities, last update and error.
    Status,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk every tenant's chain: exit 0 when intact, 2 naming the first broken entry.
    Verify,
}

#[derive(Debug, Subcommand)]
pub enum TenantsCommand {
    /// List the provider and its reseller tenants.
    List,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Show the active rule pack's id, version and title.
    Show,
    /// Validate a rule pack file and report every problem (exit 1 when invalid).
    Check { file: PathBuf },
    /// Print the source of a bundled pack, to copy and edit.
    Print {
        #[arg(default_value = "bis-2024-nprm")]
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ComputeCommand {
    /// Estimate the training compute one allocation could deliver (dense peaks, the pack's priors).
    Estimate {
        /// Accelerator model, matched forgivingly: H100, h100-sxm, "NVIDIA H100 SXM5 80GB".
        #[arg(long)]
        accelerator: String,
        /// Number of accelerators.
        #[arg(long)]
        count: u64,
        /// Hours the allocation is held.
        #[arg(long)]
        hours: f64,
        /// Known model FLOP utilization (0..1]; without it the pack's prior is used.
        #[arg(long)]
        utilization: Option<f64>,
        /// Pin the number format instead of the FP8/BF16 mixture.
        #[arg(long, value_parser = ["fp8", "bf16"])]
        format: Option<String>,
        /// Declared active parameters, for the 6ND cross-check (with --tokens).
        #[arg(long, requires = "tokens")]
        parameters: Option<f64>,
        /// Declared training tokens, for the 6ND cross-check (with --parameters).
        #[arg(long, requires = "parameters")]
        tokens: Option<f64>,
    },
}
