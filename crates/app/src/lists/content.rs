//! The bytes of one list as stored: one file as published, or OFAC's four files in one
//! length-prefixed container (the legacy CSV format spreads a list over four files).

use cloudkyc_screening::{ListBytes, OfacFiles};

use crate::{AppError, AppResult};

/// The first bytes of a stored OFAC container (no published list starts with them).
const OFAC_MAGIC: &[u8] = b"cloudkyc-ofac-v1\n";

/// The files of one list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListFiles {
    Single(Vec<u8>),
    /// OFAC legacy CSV: the primary file and, when published, addresses, aliases, comments.
    Ofac {
        primary: Vec<u8>,
        addresses: Option<Vec<u8>>,
        aliases: Option<Vec<u8>>,
        comments: Option<Vec<u8>>,
    },
}

impl ListFiles {
    /// The bytes as the parsers take them.
    pub fn as_bytes(&self) -> ListBytes<'_> {
        match self {
            ListFiles::Single(bytes) => ListBytes::Single(bytes),
            ListFiles::Ofac {
                primary,
                addresses,
                aliases,
                comments,
            } => ListBytes::Ofac(OfacFiles {
                primary,
                addresses: addresses.as_deref(),
                aliases: aliases.as_deref(),
                comments: comments.as_deref(),
            }),
        }
    }

    /// Total size of the files.
    pub fn len(&self) -> usize {
        match self {
            ListFiles::Single(bytes) => bytes.len(),
            ListFiles::Ofac {
                primary,
                addresses,
                aliases,
                comments,
            } => {
                primary.len()
                    + [addresses, aliases, comments]
                        .iter()
                        .map(|p| p.as_ref().map_or(0, Vec::len))
                        .sum::<usize>()
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The stored form: a single file as is; OFAC's files in a container where each part is a
    /// presence byte and, when present, a big-endian `u64` length and the bytes.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            ListFiles::Single(bytes) => bytes.clone(),
            ListFiles::Ofac {
                primary,
                addresses,
                aliases,
                comments,
            } => {
                let mut out = Vec::with_capacity(OFAC_MAGIC.len() + self.len() + 40);
                out.extend_from_slice(OFAC_MAGIC);
                for part in [
                    Some(primary),
                    addresses.as_ref(),
                    aliases.as_ref(),
                    comments.as_ref(),
                ] {
                    match part {
                        None => out.push(0),
                        Some(bytes) => {
                            out.push(1);
                            out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
                            out.extend_from_slice(bytes);
                        }
                    }
                }
                out
            }
        }
    }

    /// Reads the stored form back; `ofac` says which form to expect (from the stored format).
    pub fn decode(stored: &[u8], ofac: bool) -> AppResult<Self> {
        if !ofac {
            return Ok(ListFiles::Single(stored.to_vec()));
        }
        let corrupt = || AppError::Internal("a stored OFAC list container is corrupt".to_owned());
        let mut rest = stored.strip_prefix(OFAC_MAGIC).ok_or_else(corrupt)?;
        let mut parts: Vec<Option<Vec<u8>>> = Vec::with_capacity(4);
        for _ in 0..4 {
            let (&present, tail) = rest.split_first().ok_or_else(corrupt)?;
            rest = tail;
            if present == 0 {
                parts.push(None);
                continue;
            }
            let (len, tail) = rest.split_first_chunk::<8>().ok_or_else(corrupt)?;
            let len = usize::try_from(u64::from_be_bytes(*len)).map_err(|_| corrupt())?;
            if tail.len() < len {
                return Err(corrupt());
            }
            let (bytes, tail) = tail.split_at(len);
            parts.push(Some(bytes.to_vec()));
            rest = tail;
        }
        let mut parts = parts.into_iter();
        let primary = parts.next().flatten().ok_or_else(corrupt)?;
        Ok(ListFiles::Ofac {
            primary,
            addresses: parts.next().flatten(),
            aliases: parts.next().flatten(),
            comments: parts.next().flatten(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ofac_files_round_trip_through_the_container() {
        let files = ListFiles::Ofac {
            primary: b"1,\"A\"".to_vec(),
            addresses: None,
            aliases: Some(b"1,2,\"aka\",\"B\"".to_vec()),
            comments: Some(Vec::new()),
        };
        let stored = files.encode();
        assert_eq!(ListFiles::decode(&stored, true).unwrap(), files);
        assert!(ListFiles::decode(&stored[..stored.len() - 1], true).is_err());
        assert!(ListFiles::decode(b"1,\"A\"", true).is_err());
        assert_eq!(
            ListFiles::decode(b"<x/>", false).unwrap(),
            ListFiles::Single(b"<x/>".to_vec())
        );
    }
}
