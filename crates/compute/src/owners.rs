//! Owner groups: accounts merged by union-find, with the evidence of every merge kept.
//!
//! Union-find cannot split a set, so a withdrawn link (the shared owner was removed from a
//! customer's record) rebuilds the partition from the links still live, replayed in their
//! arrival order; the merges whose evidence lost a link are kept as history
//! ([`WithdrawnMerge`]).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::fxhash::FxHashMap;

/// Why two accounts are linked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// A verified beneficial owner at or above the pack's threshold, shared.
    BeneficialOwner,
    ParentEntity,
    PaymentInstrument,
    /// An organisation or IAM trust between the accounts.
    OrgTrust,
    AdminIpRange,
    ContactDetails,
    SshKey,
    StoragePrefix,
    CrossAccountTransfer,
}

impl LinkKind {
    /// Strong links merge on their own; weak ones only together with another weak kind.
    pub fn is_strong(self) -> bool {
        matches!(
            self,
            Self::BeneficialOwner | Self::ParentEntity | Self::PaymentInstrument | Self::OrgTrust
        )
    }
}

/// One observed link between two accounts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Link {
    pub a: String,
    pub b: String,
    pub kind: LinkKind,
    /// What was shared (owner id, instrument fingerprint...), for the auditor.
    pub detail: String,
}

/// A merge performed, with the links that justified it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MergeEdge {
    pub a: String,
    pub b: String,
    pub evidence: Vec<Link>,
}

/// A merge undone because a link of its evidence was withdrawn. The accounts may still be in
/// one group through other links (the rebuilt partition says).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WithdrawnMerge {
    pub merge: MergeEdge,
    /// The links of the evidence that no longer hold.
    pub withdrawn: Vec<Link>,
    /// When the caller withdrew them (Unix seconds).
    pub at: i64,
}

/// Union-find over account names. A group is named by its smallest member, so the name does
/// not depend on the order links arrived in.
#[derive(Debug, Clone, Default)]
pub struct OwnerGroups {
    index: FxHashMap<String, usize>,
    names: Vec<String>,
    parent: Vec<usize>,
    size: Vec<usize>,
    smallest: Vec<usize>,
    edges: Vec<MergeEdge>,
    pending_weak: BTreeMap<(String, String), BTreeSet<Link>>,
    weak_kinds_required: usize,
    /// Every live link, in arrival order (replayed when one is withdrawn).
    links: Vec<Link>,
    live: BTreeSet<Link>,
    withdrawn: Vec<WithdrawnMerge>,
}

impl OwnerGroups {
    /// `weak_kinds_required`: distinct weak link kinds a pair needs before it merges (2).
    pub fn new(weak_kinds_required: usize) -> Self {
        Self {
            weak_kinds_required: weak_kinds_required.max(1),
            ..Self::default()
        }
    }

    fn intern(&mut self, account: &str) -> usize {
        if let Some(&i) = self.index.get(account) {
            return i;
        }
        let i = self.names.len();
        self.index.insert(account.to_owned(), i);
        self.names.push(account.to_owned());
        self.parent.push(i);
        self.size.push(1);
        self.smallest.push(i);
        i
    }

    fn find(&mut self, mut i: usize) -> usize {
        while let Some(&p) = self.parent.get(i) {
            if p == i {
                break;
            }
            let grand = self.parent.get(p).copied().unwrap_or(p);
            if let Some(slot) = self.parent.get_mut(i) {
                *slot = grand;
            }
            i = grand;
        }
        i
    }

    fn find_ro(&self, mut i: usize) -> usize {
        while let Some(&p) = self.parent.get(i) {
            if p == i {
                break;
            }
            i = p;
        }
        i
    }

    /// Records a link; returns the merge it caused, if any.
    pub fn link(&mut self, link: Link) -> Option<MergeEdge> {
        if link.a != link.b && self.live.insert(link.clone()) {
            self.links.push(link.clone());
        }
        self.apply(link)
    }

    /// Withdraws links (their evidence no longer holds) and rebuilds the groups from the links
    /// still live. Returns the merges undone: those whose evidence held a withdrawn link.
    /// Accounts stay known; merging never depended on anything but links, so the rebuilt
    /// groups are exactly what the remaining links make.
    pub fn withdraw(&mut self, links: &[Link], at: i64) -> Vec<WithdrawnMerge> {
        let removed: BTreeSet<&Link> = links.iter().filter(|l| self.live.contains(*l)).collect();
        if removed.is_empty() {
            return Vec::new();
        }
        for link in &removed {
            self.live.remove(*link);
        }
        let old_edges = std::mem::take(&mut self.edges);
        let undone: Vec<WithdrawnMerge> = old_edges
            .into_iter()
            .filter_map(|merge| {
                let withdrawn: Vec<Link> = merge
                    .evidence
                    .iter()
                    .filter(|l| removed.iter().any(|r| same_link(r, l)))
                    .cloned()
                    .collect();
                (!withdrawn.is_empty()).then_some(WithdrawnMerge {
                    merge,
                    withdrawn,
                    at,
                })
            })
            .collect();
        let live = &self.live;
        self.links.retain(|l| live.contains(l));
        for (i, slot) in self.parent.iter_mut().enumerate() {
            *slot = i;
        }
        self.size.iter_mut().for_each(|s| *s = 1);
        for (i, slot) in self.smallest.iter_mut().enumerate() {
            *slot = i;
        }
        self.pending_weak.clear();
        for link in self.links.clone() {
            self.apply(link);
        }
        self.withdrawn.extend(undone.iter().cloned());
        undone
    }

    /// Merges undone so far that involved any of `accounts`, oldest first.
    pub fn withdrawn_for(&self, accounts: &[String]) -> Vec<WithdrawnMerge> {
        self.withdrawn
            .iter()
            .filter(|w| accounts.contains(&w.merge.a) || accounts.contains(&w.merge.b))
            .cloned()
            .collect()
    }

    fn apply(&mut self, link: Link) -> Option<MergeEdge> {
        if link.a == link.b {
            self.intern(&link.a);
            return None;
        }
        let (ia, ib) = (self.intern(&link.a), self.intern(&link.b));
        let evidence = if link.kind.is_strong() {
            vec![link.clone()]
        } else {
            let pair = if link.a < link.b {
                (link.a.clone(), link.b.clone())
            } else {
                (link.b.clone(), link.a.clone())
            };
            let (a, b) = pair.clone();
            let pending = self.pending_weak.entry(pair).or_default();
            pending.insert(Link {
                a,
                b,
                kind: link.kind,
                detail: link.detail.clone(),
            });
            let kinds: BTreeSet<LinkKind> = pending.iter().map(|l| l.kind).collect();
            if kinds.len() < self.weak_kinds_required {
                return None;
            }
            pending.iter().cloned().collect()
        };
        let (ra, rb) = (self.find(ia), self.find(ib));
        if ra == rb {
            return None;
        }
        let (big, small) = if self.size.get(ra) >= self.size.get(rb) {
            (ra, rb)
        } else {
            (rb, ra)
        };
        if let Some(p) = self.parent.get_mut(small) {
            *p = big;
        }
        let name = |i: Option<&usize>| i.and_then(|&n| self.names.get(n));
        if name(self.smallest.get(small)) < name(self.smallest.get(big))
            && let Some(&s) = self.smallest.get(small)
            && let Some(slot) = self.smallest.get_mut(big)
        {
            *slot = s;
        }
        let moved = self.size.get(small).copied().unwrap_or(0);
        if let Some(s) = self.size.get_mut(big) {
            *s += moved;
        }
        let edge = MergeEdge {
            a: link.a,
            b: link.b,
            evidence,
        };
        self.edges.push(edge.clone());
        Some(edge)
    }

    /// Makes an account known (a group of one until linked).
    pub fn add_account(&mut self, account: &str) {
        self.intern(account);
    }

    /// The group name of an account: its group's smallest member. Unknown accounts are their
    /// own group.
    pub fn group_of(&self, account: &str) -> String {
        match self.index.get(account) {
            Some(&i) => {
                let root = self.find_ro(i);
                self.smallest
                    .get(root)
                    .and_then(|&s| self.names.get(s))
                    .cloned()
                    .unwrap_or_else(|| account.to_owned())
            }
            None => account.to_owned(),
        }
    }

    fn members_of_root(&self, root: usize) -> BTreeSet<String> {
        (0..self.names.len())
            .filter(|&i| self.find_ro(i) == root)
            .filter_map(|i| self.names.get(i).cloned())
            .collect()
    }

    /// All accounts in the account's group, sorted.
    pub fn members(&self, account: &str) -> Vec<String> {
        match self.index.get(account) {
            Some(&i) => self.members_of_root(self.find_ro(i)).into_iter().collect(),
            None => vec![account.to_owned()],
        }
    }

    /// The merges that built the account's group.
    pub fn evidence(&self, account: &str) -> Vec<MergeEdge> {
        let members: BTreeSet<String> = self.members(account).into_iter().collect();
        self.edges
            .iter()
            .filter(|e| members.contains(&e.a))
            .cloned()
            .collect()
    }

    /// Every group, as sorted member lists, sorted.
    pub fn groups(&self) -> Vec<Vec<String>> {
        let mut by_root: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        for (i, name) in self.names.iter().enumerate() {
            by_root
                .entry(self.find_ro(i))
                .or_default()
                .push(name.clone());
        }
        let mut groups: Vec<Vec<String>> = by_root
            .into_values()
            .map(|mut g| {
                g.sort();
                g
            })
            .collect();
        groups.sort();
        groups
    }
}

/// Weak evidence is stored with its pair in order; a link matches it either way round.
fn same_link(a: &Link, b: &Link) -> bool {
    a.kind == b.kind
        && a.detail == b.detail
        && ((a.a == b.a && a.b == b.b) || (a.a == b.b && a.b == b.a))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(a: &str, b: &str, kind: LinkKind) -> Link {
        Link {
            a: a.into(),
            b: b.into(),
            kind,
            detail: format!("{kind:?}"),
        }
    }

    #[test]
    fn strong_links_merge_and_keep_evidence() {
        let mut g = OwnerGroups::new(2);
        let edge = g
            .link(link("acct-b", "acct-a", LinkKind::BeneficialOwner))
            .unwrap();
        assert_eq!(edge.evidence.len(), 1);
        g.link(link("acct-c", "acct-b", LinkKind::PaymentInstrument))
            .unwrap();
        assert_eq!(g.group_of("acct-c"), "acct-a");
        assert_eq!(g.members("acct-b"), ["acct-a", "acct-b", "acct-c"]);
        assert_eq!(g.evidence("acct-a").len(), 2);
        assert!(
            g.link(link("acct-a", "acct-c", LinkKind::OrgTrust))
                .is_none(),
            "already one group"
        );
    }

    #[test]
    fn weak_links_merge_only_in_pairs_of_kinds() {
        let mut g = OwnerGroups::new(2);
        assert!(g.link(link("x", "y", LinkKind::AdminIpRange)).is_none());
        assert!(
            g.link(link("y", "x", LinkKind::AdminIpRange)).is_none(),
            "same kind twice is still one"
        );
        assert_eq!(g.members("x"), ["x"]);
        let edge = g.link(link("x", "y", LinkKind::SshKey)).unwrap();
        assert_eq!(edge.evidence.len(), 2);
        assert_eq!(g.group_of("y"), "x");
        assert_eq!(g.group_of("never-seen"), "never-seen");
    }

    #[test]
    fn withdrawn_links_split_groups_and_keep_history() {
        let mut g = OwnerGroups::new(2);
        let owner = link("a", "b", LinkKind::BeneficialOwner);
        let card = link("b", "c", LinkKind::PaymentInstrument);
        let also = link("a", "c", LinkKind::OrgTrust);
        g.link(owner.clone()).unwrap();
        g.link(card.clone()).unwrap();
        assert!(
            g.link(also.clone()).is_none(),
            "a, b, c are one group already"
        );
        // The owner goes: a stays with c through the trust, and c with b through the card.
        let undone = g.withdraw(std::slice::from_ref(&owner), 100);
        assert_eq!(undone.len(), 1);
        assert_eq!(undone[0].withdrawn, std::slice::from_ref(&owner));
        assert_eq!(g.members("b"), ["a", "b", "c"]);
        // The card goes too: b is alone, a and c stay linked by the trust.
        let undone = g.withdraw(std::slice::from_ref(&card), 200);
        assert_eq!(undone.len(), 1);
        assert_eq!(g.members("b"), ["b"]);
        assert_eq!(g.members("c"), ["a", "c"]);
        assert_eq!(g.evidence("a").len(), 1);
        assert_eq!(g.withdrawn_for(&["b".to_owned()]).len(), 2);
        assert!(
            g.withdraw(&[owner], 300).is_empty(),
            "withdrawing twice is a no-op"
        );
        // Re-adding the evidence merges again.
        assert!(g.link(card).is_some());
        assert_eq!(g.members("b"), ["a", "b", "c"]);
    }

    #[test]
    fn a_withdrawn_weak_kind_unmerges_the_pair() {
        let mut g = OwnerGroups::new(2);
        let ip = link("x", "y", LinkKind::AdminIpRange);
        g.link(ip.clone());
        g.link(link("y", "x", LinkKind::SshKey)).unwrap();
        assert_eq!(g.members("x"), ["x", "y"]);
        let undone = g.withdraw(&[ip], 1);
        assert_eq!(undone.len(), 1);
        assert_eq!(g.members("x"), ["x"], "one weak kind is left, not enough");
    }

    #[test]
    fn group_names_do_not_depend_on_link_order() {
        let links = [
            link("d", "c", LinkKind::ParentEntity),
            link("b", "a", LinkKind::OrgTrust),
            link("c", "b", LinkKind::PaymentInstrument),
        ];
        let mut forward = OwnerGroups::new(2);
        let mut backward = OwnerGroups::new(2);
        for l in &links {
            forward.link(l.clone());
        }
        for l in links.iter().rev() {
            backward.link(l.clone());
        }
        assert_eq!(forward.groups(), backward.groups());
        assert_eq!(forward.group_of("d"), "a");
        assert_eq!(backward.group_of("d"), "a");
    }
}
