use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Entity;

/// A stable name for a list ("ofac_sdn", "un_sc", "csl", ...): lower-case ASCII letters, digits,
/// `_` and `-`, 1 to 64 characters, because it is stored with every screening result.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ListId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("list id must be 1-64 characters of a-z, 0-9, '_' or '-': {0:?}")]
pub struct InvalidListId(pub String);

impl ListId {
    pub fn new(id: &str) -> Result<Self, InvalidListId> {
        let valid = !id.is_empty()
            && id.len() <= 64
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if valid {
            Ok(ListId(id.to_owned()))
        } else {
            Err(InvalidListId(id.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ListId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for ListId {
    type Error = InvalidListId;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(&value)
    }
}

impl From<ListId> for String {
    fn from(value: ListId) -> Self {
        value.0
    }
}

/// SHA-256 of the bytes a list was parsed from, as lower-case hex.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ContentHash(String);

impl ContentHash {
    /// Hashes one file's bytes.
    pub fn of(bytes: &[u8]) -> Self {
        ContentHash(hex::encode(Sha256::digest(bytes)))
    }

    /// Hashes several files (OFAC's four CSVs) so that moving bytes from one file to another
    /// changes the hash: each part is prefixed with its length.
    pub fn of_parts(parts: &[&[u8]]) -> Self {
        let mut hasher = Sha256::new();
        for part in parts {
            hasher.update((part.len() as u64).to_be_bytes());
            hasher.update(part);
        }
        ContentHash(hex::encode(hasher.finalize()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What the caller knows about a list load that the file itself may not say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotMeta {
    pub list: ListId,
    /// Used when the file carries no publication date of its own.
    pub published: Option<NaiveDate>,
    /// Overrides the derived version string.
    pub version: Option<String>,
}

impl SnapshotMeta {
    pub fn new(list: ListId) -> Self {
        SnapshotMeta {
            list,
            published: None,
            version: None,
        }
    }

    pub fn published(mut self, date: NaiveDate) -> Self {
        self.published = Some(date);
        self
    }
}

/// The parsed content of one list load, with what a stored decision needs to name it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListSnapshot {
    list: ListId,
    version: String,
    content_hash: ContentHash,
    published: Option<NaiveDate>,
    entities: Vec<Entity>,
}

impl ListSnapshot {
    /// `file_published` is the date the file states (UN `dateGenerated`, CSL import dates); the
    /// caller's date is used only when the file has none.
    pub fn new(
        meta: &SnapshotMeta,
        content_hash: ContentHash,
        file_published: Option<NaiveDate>,
        entities: Vec<Entity>,
    ) -> Self {
        let published = file_published.or(meta.published);
        let version = meta.version.clone().unwrap_or_else(|| {
            let date = published.map_or_else(|| "undated".to_owned(), |d| d.to_string());
            format!(
                "{date}+{}",
                content_hash.as_str().get(..12).unwrap_or_default()
            )
        });
        ListSnapshot {
            list: meta.list.clone(),
            version,
            content_hash,
            published,
            entities,
        }
    }

    pub fn list(&self) -> &ListId {
        &self.list
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn content_hash(&self) -> &ContentHash {
        &self.content_hash
    }

    pub fn published(&self) -> Option<NaiveDate> {
        self.published
    }

    pub fn entities(&self) -> &[Entity] {
        &self.entities
    }

    pub fn entity_count(&self) -> usize {
        self.entities.len()
    }

    pub fn name_count(&self) -> usize {
        self.entities.iter().map(|e| e.names.len()).sum()
    }

    /// The version record a screening result stores for this list.
    pub fn version_info(&self) -> ListVersion {
        ListVersion {
            list: self.list.clone(),
            version: self.version.clone(),
            content_hash: self.content_hash.clone(),
            published: self.published,
            entity_count: self.entities.len(),
        }
    }
}

/// Everything a result needs to record about the list version it used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListVersion {
    pub list: ListId,
    pub version: String,
    pub content_hash: ContentHash,
    pub published: Option<NaiveDate>,
    pub entity_count: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_ids_are_validated() {
        assert!(ListId::new("ofac_sdn").is_ok());
        assert!(ListId::new("OFAC").is_err());
        assert!(ListId::new("").is_err());
    }

    #[test]
    fn multi_part_hash_depends_on_boundaries() {
        assert_ne!(
            ContentHash::of_parts(&[b"ab", b"c"]),
            ContentHash::of_parts(&[b"a", b"bc"])
        );
        assert_eq!(ContentHash::of(b"").as_str().len(), 64);
    }

    #[test]
    fn file_date_wins_over_caller_date() -> Result<(), InvalidListId> {
        let caller = NaiveDate::from_ymd_opt(2020, 1, 1);
        let file = NaiveDate::from_ymd_opt(2026, 2, 27);
        let mut meta = SnapshotMeta::new(ListId::new("un_sc")?);
        meta.published = caller;
        let snap = ListSnapshot::new(&meta, ContentHash::of(b"x"), file, Vec::new());
        assert_eq!(snap.published(), file);
        assert!(snap.version().starts_with("2026-02-27+"));
        Ok(())
    }
}
