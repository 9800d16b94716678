//! Collecting every problem of a parsed pack, each with its TOML path.
//!
//! Each section checks itself (`check` next to its type); this file holds the walker that tracks
//! the path and the checks shared by all sections.

use std::collections::HashSet;
use std::fmt::Display;
use std::hash::Hash;

/// A value type whose range validation checks: every real-valued unit implements it.
pub(crate) trait Ranged: Copy {
    fn raw(self) -> f64;
    fn in_range(self) -> bool;
    fn expected() -> &'static str;
}

/// Walks a pack, remembering where it is, and records problems at the current path.
#[derive(Debug, Default)]
pub(crate) struct Checker {
    path: String,
    problems: Vec<(String, String)>,
}

impl Checker {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    pub(crate) fn into_problems(self) -> Vec<(String, String)> {
        self.problems
    }

    /// Runs `check` with `key` appended to the path.
    pub(crate) fn within(&mut self, key: &str, check: impl FnOnce(&mut Self)) {
        let saved = self.path.len();
        self.path = join_path(&self.path, key);
        check(self);
        self.path.truncate(saved);
    }

    /// Records a problem with the entry `key` of the current table (`""` for the table itself).
    pub(crate) fn problem(&mut self, key: &str, message: impl Into<String>) {
        let path = if key.is_empty() {
            self.path.clone()
        } else {
            join_path(&self.path, key)
        };
        self.problems.push((path, message.into()));
    }

    /// Records a problem with item `index` of the array `key`.
    pub(crate) fn item_problem(&mut self, key: &str, index: usize, message: impl Into<String>) {
        let path = format!("{}[{index}]", join_path(&self.path, key));
        self.problems.push((path, message.into()));
    }

    pub(crate) fn range<T: Ranged>(&mut self, key: &str, value: T) {
        if !value.in_range() {
            self.problem(
                key,
                format!("must be {}, got {}", T::expected(), value.raw()),
            );
        }
    }

    pub(crate) fn at_least_one(&mut self, key: &str, value: u32) {
        if value == 0 {
            self.problem(key, "must be at least 1");
        }
    }

    pub(crate) fn non_empty<T>(&mut self, key: &str, items: &[T], why: &str) {
        if items.is_empty() {
            self.problem(key, format!("must not be empty: {why}"));
        }
    }

    pub(crate) fn non_blank(&mut self, key: &str, text: &str) {
        if text.trim().is_empty() {
            self.problem(key, "must not be empty");
        }
    }

    /// Reports every item that repeats an earlier one.
    pub(crate) fn unique<T: Eq + Hash + Display>(&mut self, key: &str, items: &[T]) {
        let mut seen = HashSet::new();
        for (index, item) in items.iter().enumerate() {
            if !seen.insert(item) {
                self.item_problem(key, index, format!("`{item}` is listed twice"));
            }
        }
    }

    /// Reports `lower` unless it is strictly below `upper`.
    pub(crate) fn increasing(&mut self, key: &str, lower: f64, upper: f64, relation: &str) {
        if lower.is_finite() && upper.is_finite() && lower >= upper {
            self.problem(
                key,
                format!("must be below {relation} ({upper}), got {lower}"),
            );
        }
    }
}

/// `base.key`, quoting `key` when it is not a bare TOML key.
pub(crate) fn join_path(base: &str, key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    let key = if bare {
        key.to_owned()
    } else {
        format!("{key:?}")
    };
    if base.is_empty() {
        key
    } else {
        format!("{base}.{key}")
    }
}

/// Identifiers a pack defines (its own id, product ids, condition ids) appear in file names,
/// URLs and logs, so they are kept to a portable alphabet.
pub(crate) fn check_identifier(c: &mut Checker, key: &str, index: Option<usize>, id: &str) {
    let valid = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && id.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-' || b == b'.'
        });
    if !valid {
        let message = format!(
            "`{id}` is not a valid identifier: use 1 to 64 lower-case letters, digits, `_`, `-` \
             or `.`, starting with a letter or digit"
        );
        match index {
            Some(index) => c.item_problem(key, index, message),
            None => c.problem(key, message),
        }
    }
}

/// Semantic Versioning 2.0.0: `MAJOR.MINOR.PATCH`, optional `-pre.release` and `+build`.
pub(crate) fn is_semver(version: &str) -> bool {
    let (rest, build) = match version.split_once('+') {
        Some((rest, build)) => (rest, Some(build)),
        None => (version, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (rest, None),
    };
    let numeric = |part: &str| {
        !part.is_empty()
            && part.bytes().all(|b| b.is_ascii_digit())
            && (part == "0" || !part.starts_with('0'))
    };
    let identifiers_ok = |text: &str, numbers_strict: bool| {
        text.split('.').all(|id| {
            !id.is_empty()
                && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && (!numbers_strict || !id.bytes().all(|b| b.is_ascii_digit()) || numeric(id))
        })
    };
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|part| numeric(part))
        && pre.is_none_or(|pre| identifiers_ok(pre, true))
        && build.is_none_or(|build| identifiers_ok(build, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semver_accepts_the_specification_examples_and_refuses_the_rest() {
        for ok in [
            "1.0.0",
            "0.1.0",
            "10.20.30",
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-0.3.7",
            "1.0.0-x.7.z.92",
            "1.0.0+20130313144700",
            "1.0.0-beta+exp.sha.5114f85",
            "2024.1.0",
        ] {
            assert!(is_semver(ok), "{ok}");
        }
        for bad in [
            "1",
            "1.0",
            "1.0.0.0",
            "01.0.0",
            "1.0.00",
            "v1.0.0",
            "1.0.0-",
            "1.0.0-01",
            "1.0.0+",
            "1.0.0-a..b",
            "",
            "1.x.0",
            " 1.0.0",
        ] {
            assert!(!is_semver(bad), "{bad}");
        }
    }

    #[test]
    fn paths_quote_keys_that_are_not_bare() {
        assert_eq!(join_path("", "pack"), "pack");
        assert_eq!(join_path("a.b", "c_d-1"), "a.b.c_d-1");
        assert_eq!(join_path("conditions", "no gpus"), "conditions.\"no gpus\"");
    }

    #[test]
    fn checker_tracks_nested_paths() {
        let mut c = Checker::new();
        c.within("compute", |c| {
            c.within("estimator", |c| c.problem("sigma", "bad"));
            c.item_problem("list", 2, "worse");
        });
        c.problem("top", "x");
        c.unique("codes", &["IR", "KP", "IR"]);
        let problems = c.into_problems();
        let paths: Vec<&str> = problems.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            [
                "compute.estimator.sigma",
                "compute.list[2]",
                "top",
                "codes[2]"
            ]
        );
    }
}
