#![doc = include_str!("../README.md")]

mod database;

pub use database::{Geo, GeoError};
