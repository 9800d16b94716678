#![doc = include_str!("../README.md")]

pub mod access;
mod app;
pub mod audit;
pub mod cases;
pub mod clock;
pub mod compute;
pub mod compute_follow;
pub mod compute_groups;
pub mod compute_links;
pub mod console_users;
pub mod customers;
pub mod demo;
pub mod documents;
mod error;
pub mod follow;
pub mod jobs;
pub mod keys;
pub mod lists;
pub mod measures;
pub mod ownership;
pub mod reports;
pub mod rescreen;
pub mod resellers;
pub mod retention;
pub mod screening;
pub mod tenants;
pub mod usage;
pub mod webhooks;

pub use app::App;
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{AppError, AppResult, FieldError};
