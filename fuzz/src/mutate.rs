//! Random inputs near the seeds: a small, seedable generator and byte-level mutations of the
//! kinds that break parsers (truncation, duplication, splicing, delimiter and number tokens).

/// xorshift64*: fast, seedable, good enough to pick mutations (not for anything secret).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        // Zero is xorshift's one fixed point.
        Self(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
}

/// Tokens that mean something to at least one of the formats, or to number and date parsers.
const TOKENS: &[&[u8]] = &[
    b",",
    b"\"",
    b"\"\"",
    b"\t",
    b"\n",
    b"\r\n",
    b";",
    b"<",
    b">",
    b"</",
    b"/>",
    b"<<",
    b"&amp;",
    b"&#0;",
    b"<![CDATA[",
    b"]]>",
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b"null",
    b"true",
    b"[]",
    b"{}",
    b"=",
    b"'''",
    b"[[",
    b"]]",
    b"#",
    b"-1",
    b"0",
    b"-0",
    b"1e309",
    b"-1e309",
    b"NaN",
    b"18446744073709551616",
    b"9223372036854775807",
    b"-9223372036854775808",
    b"4294967296",
    b"0000-00-00",
    b"9999-99-99",
    b"2026-02-30",
    b"1970-01-01T00:00:00Z",
    b"\\u0000",
    b"\\ud800",
    b"\x00",
    b"\xff",
    b"\xc3",
    b"\xe2\x80\xae",
    b"\xf0\x9f\x92\xa9",
    "İ".as_bytes(),
    "ß".as_bytes(),
];

/// Applies one to eight random mutations to `input`; `other` is a second seed to splice from.
pub fn mutate(rng: &mut Rng, input: &mut Vec<u8>, other: &[u8], max_len: usize) {
    for _ in 0..=rng.below(8) {
        mutate_once(rng, input, other);
    }
    input.truncate(max_len);
}

fn mutate_once(rng: &mut Rng, input: &mut Vec<u8>, other: &[u8]) {
    let len = input.len();
    let at = if len == 0 { 0 } else { rng.below(len + 1) };
    match rng.below(9) {
        0 if len > 0 => {
            let i = rng.below(len);
            input[i] ^= 1 << rng.below(8);
        }
        1 if len > 0 => {
            let i = rng.below(len);
            input[i] = rng.next_u64() as u8;
        }
        2 => {
            let token = TOKENS[rng.below(TOKENS.len())];
            input.splice(at..at, token.iter().copied());
        }
        3 if len > 0 => {
            // Delete a run, short more often than long.
            let longest = 1 + rng.below(64);
            let end = (at + 1 + rng.below(longest)).min(len);
            input.drain(at.min(end)..end);
        }
        4 if len > 0 => {
            // Duplicate a run elsewhere (repeated fields, rows, elements).
            let start = rng.below(len);
            let end = (start + 1 + rng.below(256)).min(len);
            let run: Vec<u8> = input[start..end].to_vec();
            input.splice(at..at, run);
        }
        5 if !other.is_empty() => {
            // Splice in a run of another seed.
            let start = rng.below(other.len());
            let end = (start + 1 + rng.below(512)).min(other.len());
            input.splice(at..at, other[start..end].iter().copied());
        }
        6 => input.truncate(at),
        7 if len > 0 => {
            // Replace a digit run's digit with an extreme one: dates, counts, check digits.
            let i = rng.below(len);
            if input[i].is_ascii_digit() {
                input[i] = if rng.chance(2) { b'9' } else { b'0' };
            } else {
                input[i] = b'0' + rng.below(10) as u8;
            }
        }
        _ => {
            let byte = rng.next_u64() as u8;
            input.insert(at, byte);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_mutants() {
        let run = |seed| {
            let mut rng = Rng::new(seed);
            let mut input = b"P<UTOERIKSSON<<ANNA<MARIA".to_vec();
            for _ in 0..50 {
                mutate(&mut rng, &mut input, b"other seed", 1024);
            }
            input
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }

    #[test]
    fn mutants_stay_within_the_length_bound() {
        let mut rng = Rng::new(1);
        let mut input = vec![b'a'; 100];
        for _ in 0..1000 {
            mutate(&mut rng, &mut input, &[b'b'; 600], 300);
            assert!(input.len() <= 300);
        }
    }
}
