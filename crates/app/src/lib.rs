#![doc = include_str!("../README.md")]

mod app;
pub mod audit;
pub mod clock;
pub mod compute;
pub mod customers;
pub mod demo;
mod error;
pub mod jobs;
pub mod keys;
pub mod screening;
pub mod tenants;
pub mod usage;

pub use app::App;
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{AppError, AppResult, FieldError};
