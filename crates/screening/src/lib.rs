#![doc = include_str!("../README.md")]

pub mod bundled;
pub mod index;
pub mod model;
pub mod normalize;
pub mod parse;
pub mod score;

pub use index::{EntityRef, Hit, Index, ScreenOptions};
pub use model::{
    ContentHash, CountryCode, DateAgreement, Entity, EntityName, IdKind, Identifier, ListId,
    ListSnapshot, ListVersion, NameKind, PartialDate, Schema, SnapshotMeta,
};
pub use normalize::{NormalizedName, Token, TokenKind, normalize_name, phonetic_key};
pub use parse::{CustomCsvMapping, IdColumn, ListBytes, ListFormat, OfacFiles, ParseError};
pub use score::{
    ALGORITHM_VERSION, DEFAULT_THRESHOLD, Explanation, NameMatch, PairScore, Qualifier,
    QualifierEffect, Query, Rarity, TokenPair, WeightedToken, score_pair, score_pair_with,
};
