//! A plain POSIX ustar writer for the production archive: regular files only, deterministic
//! (fixed mode, owner and the caller's modification time), readable by any `tar`. Written here
//! because the archive needs nothing more than this and a dependency would bring far more.

const BLOCK: usize = 512;

/// An archive being written in memory.
#[derive(Debug, Default)]
pub struct TarWriter {
    bytes: Vec<u8>,
}

/// Why a file cannot be added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TarError {
    #[error("archive path {0:?} must be relative, at most 100 bytes, without `..`")]
    BadPath(String),
    #[error("archive file {0:?} is too large")]
    TooLarge(String),
}

fn octal(field: &mut [u8], value: u64) -> bool {
    // `width - 1` digits and a NUL terminator.
    let digits = field.len() - 1;
    let text = format!("{value:0digits$o}");
    if text.len() > digits {
        return false;
    }
    field[..digits].copy_from_slice(text.as_bytes());
    field[digits] = 0;
    true
}

impl TarWriter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a regular file at `path` (`/`-separated, relative).
    pub fn add(&mut self, path: &str, content: &[u8], mtime: i64) -> Result<(), TarError> {
        let bad = path.is_empty()
            || path.len() > 100
            || path.starts_with('/')
            || path
                .split('/')
                .any(|p| p.is_empty() || p == "." || p == "..")
            || path.bytes().any(|b| b == 0);
        if bad {
            return Err(TarError::BadPath(path.to_owned()));
        }
        let mut header = [0u8; BLOCK];
        header[..path.len()].copy_from_slice(path.as_bytes());
        let size = u64::try_from(content.len()).unwrap_or(u64::MAX);
        let fits = octal(&mut header[100..108], 0o644)
            && octal(&mut header[108..116], 0)
            && octal(&mut header[116..124], 0)
            && octal(&mut header[124..136], size)
            && octal(
                &mut header[136..148],
                u64::try_from(mtime.max(0)).unwrap_or(0),
            );
        if !fits {
            return Err(TarError::TooLarge(path.to_owned()));
        }
        header[156] = b'0';
        header[257..263].copy_from_slice(b"ustar\0");
        header[263..265].copy_from_slice(b"00");
        // The checksum is computed with its own field read as spaces.
        header[148..156].copy_from_slice(b"        ");
        let sum: u64 = header.iter().map(|b| u64::from(*b)).sum();
        let text = format!("{sum:06o}\0 ");
        header[148..156].copy_from_slice(text.as_bytes());
        self.bytes.extend_from_slice(&header);
        self.bytes.extend_from_slice(content);
        let pad = (BLOCK - content.len() % BLOCK) % BLOCK;
        self.bytes.resize(self.bytes.len() + pad, 0);
        Ok(())
    }

    /// The archive, closed with its two zero blocks.
    pub fn finish(mut self) -> Vec<u8> {
        self.bytes.resize(self.bytes.len() + 2 * BLOCK, 0);
        self.bytes
    }
}

/// The files of an archive this module wrote: `(path, content)` in order. Used by tests and by
/// anyone checking a production against its manifest.
pub fn read(archive: &[u8]) -> Option<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + BLOCK <= archive.len() {
        let header = archive.get(at..at + BLOCK)?;
        if header.iter().all(|b| *b == 0) {
            return Some(out);
        }
        let name_end = header[..100].iter().position(|b| *b == 0).unwrap_or(100);
        let name = String::from_utf8(header[..name_end].to_vec()).ok()?;
        let size_text = std::str::from_utf8(&header[124..135]).ok()?;
        let size = usize::from_str_radix(size_text.trim_matches(char::from(0)).trim(), 8).ok()?;
        let start = at + BLOCK;
        let content = archive.get(start..start.checked_add(size)?)?.to_vec();
        out.push((name, content));
        at = start + size.div_ceil(BLOCK) * BLOCK;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_round_trip_and_blocks_align() {
        let mut tar = TarWriter::new();
        tar.add("manifest.json", b"{}\n", 1_795_000_000).unwrap();
        tar.add("customers/a/customer.json", &[7u8; 513], 1_795_000_000)
            .unwrap();
        let bytes = tar.finish();
        assert_eq!(bytes.len() % BLOCK, 0);
        // Two headers, one block of data, two of data, two closing blocks.
        assert_eq!(bytes.len(), BLOCK * 7);
        let files = read(&bytes).unwrap();
        assert_eq!(files[0], ("manifest.json".into(), b"{}\n".to_vec()));
        assert_eq!(files[1].1, vec![7u8; 513]);
        assert_eq!(&bytes[257..262], b"ustar");
    }

    #[test]
    fn unsafe_paths_are_refused() {
        let mut tar = TarWriter::new();
        for bad in ["", "/etc/passwd", "a/../b", "a//b", &"x".repeat(101)] {
            assert_eq!(tar.add(bad, b"", 0), Err(TarError::BadPath(bad.to_owned())));
        }
    }
}
