//! `[products]`: the provider's product classes, named once and referred to elsewhere.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::validate::{Checker, check_identifier};

/// A product class of the provider's platform, e.g. `accelerated_instances`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ProductId(String);

impl ProductId {
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProductId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Products {
    /// Every product class the pack may refer to. A reference to anything else is an error,
    /// so that a misspelt product can never silently escape a limit.
    pub known: Vec<ProductId>,
    /// The classes that give access to AI accelerators (GPU, TPU and the like).
    pub accelerator: Vec<ProductId>,
}

impl Products {
    pub fn is_accelerator(&self, product: &ProductId) -> bool {
        self.accelerator.contains(product)
    }

    pub(crate) fn check(&self, c: &mut Checker) {
        c.non_empty(
            "known",
            &self.known,
            "list the product classes of the platform",
        );
        for (index, id) in self.known.iter().enumerate() {
            check_identifier(c, "known", Some(index), id.as_str());
        }
        c.unique("known", &self.known);
        self.check_references(c, "accelerator", &self.accelerator);
        c.unique("accelerator", &self.accelerator);
    }

    /// Reports every entry of `list` (at `key` of the current table) that is not a known product.
    pub(crate) fn check_references(&self, c: &mut Checker, key: &str, list: &[ProductId]) {
        for (index, id) in list.iter().enumerate() {
            if !self.known.contains(id) {
                c.item_problem(
                    key,
                    index,
                    format!("`{id}` is not listed in `products.known`"),
                );
            }
        }
    }
}
