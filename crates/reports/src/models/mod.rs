//! The report models. Each is plain data with a JSON Schema; `Report::document` makes it
//! printable.

pub mod adp;
pub mod ai_training;
pub mod certification;
pub mod out_of_cycle;
pub mod production;
pub mod written_cip;
mod written_cip_sections;
