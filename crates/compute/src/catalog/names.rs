//! Forgiving accelerator-name matching.
//!
//! Names are compared as token sets: lower-cased, split on punctuation and at letter/digit
//! boundaries (`H100-SXM5` -> `h 100 sxm 5`), vendor and marketing words dropped. Exact token
//! equality (never prefixes) keeps `A10` from matching `A100`.

const NOISE_WORDS: [&str; 17] = [
    "nvidia", "amd", "google", "amazon", "aws", "intel", "habana", "huawei", "tesla", "radeon",
    "instinct", "hgx", "dgx", "gpu", "tensor", "core", "cloud",
];

/// The normalised tokens of an accelerator name.
pub fn tokens(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for chunk in name.split(|c: char| !c.is_alphanumeric()) {
        let mut current = String::new();
        let mut current_is_digit = false;
        for c in chunk.chars().flat_map(char::to_lowercase) {
            let is_digit = c.is_ascii_digit();
            if !current.is_empty() && is_digit != current_is_digit {
                push_token(&mut out, std::mem::take(&mut current));
            }
            current_is_digit = is_digit;
            current.push(c);
        }
        push_token(&mut out, current);
    }
    out
}

fn push_token(out: &mut Vec<String>, token: String) {
    if !token.is_empty() && !NOISE_WORDS.contains(&token.as_str()) {
        out.push(token);
    }
}

/// The lookup key of a name: its tokens joined by single spaces.
pub fn key(name: &str) -> String {
    tokens(name).join(" ")
}

/// True when every query token occurs among the candidate's tokens.
pub fn is_token_subset(query: &[String], candidate: &[String]) -> bool {
    query.iter().all(|q| candidate.contains(q))
}

/// True when both hold the same tokens (order and repetition ignored).
pub fn same_token_set(a: &[String], b: &[String]) -> bool {
    is_token_subset(a, b) && is_token_subset(b, a)
}

/// Levenshtein distance over characters, for "did you mean" suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b_chars: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b_chars.len()).collect();
    let mut current = vec![0; b_chars.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b_chars.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b_chars.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenises_names_forgivingly() {
        assert_eq!(key("NVIDIA H100 SXM5 80GB"), "h 100 sxm 5 80 gb");
        assert_eq!(key("h100-sxm"), "h 100 sxm");
        assert_eq!(key("Google TPU v5p"), "tpu v 5 p");
        assert_eq!(key("TPUv5p"), "tpuv 5 p");
        assert_eq!(key("AMD Instinct MI300X"), "mi 300 x");
    }

    #[test]
    fn subset_uses_whole_tokens() {
        let a10 = tokens("A10");
        assert!(!is_token_subset(&a10, &tokens("NVIDIA A100 PCIe")));
        assert!(is_token_subset(&a10, &tokens("NVIDIA A10 PCIe")));
        assert!(is_token_subset(
            &tokens("h100 sxm"),
            &tokens("NVIDIA H100 SXM5 80GB")
        ));
        assert!(same_token_set(&tokens("sxm h100"), &tokens("H100-SXM")));
    }

    #[test]
    fn edit_distance_basics() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("h 100", "h 100"), 0);
    }
}
