#![doc = include_str!("../README.md")]

pub mod batch;
pub mod catalog;
pub mod cluster;
pub mod engine;
pub mod episodes;
pub mod estimate;
pub mod facts;
pub mod flags;
pub mod format;
mod fxhash;
pub mod group;
pub mod owners;
pub mod params;
pub mod prices;
pub mod projection;
pub mod reservation;
mod serde_u128;
pub mod stats;
pub mod usage;

pub use batch::decode_batch;
pub use catalog::{
    Accelerator, AcceleratorId, Catalog, CatalogExtension, ResolveError, TrainingPeaks,
};
pub use cluster::{Load, LoadTimeline, PeakAt, Peaks};
pub use engine::{Assessment, ComputeEngine, EngineError};
pub use episodes::{Episode, EpisodeId, EpisodeTracker, IngestOutcome};
pub use estimate::{
    AllocationQuery, CrossCheck, Estimate, EstimateError, EstimateMethod, Estimator, FormatPin,
    OpsQuantiles, RateProfile, Tier, UsageMix, UtilizationUsed,
};
pub use facts::{
    DeclaredModel, OwnerFacts, PaymentFact, PaymentKind, PersonStatus, RequestFacts,
    SpecialMeasureFact,
};
pub use flags::{FlagContext, FlagFiring, FlagId, Outcome};
pub use format::NumberFormat;
pub use group::{ChainLink, ClusterEvidence, GroupEpisode, GroupView, Lineage};
pub use owners::{Link, LinkKind, MergeEdge, OwnerGroups, WithdrawnMerge};
pub use params::{
    ComputeParams, EpisodeParams, EstimatorParams, GroupingParams, PriceTerm, ProjectionParams,
    RecordLimits, RedFlagParams, ThresholdParams,
};
pub use prices::{PricePoint, PriceTable};
pub use projection::Projection;
pub use reservation::{Reservation, ReservationInput};
pub use usage::{
    Placement, Purpose, RecordProblem, RecordRejection, TelemetryInput, UsageRecord,
    UsageRecordInput,
};
