//! The exact sum, over every walk from a holder to a customer, of the product of the shares
//! along it.
//!
//! For a customer `c` write `N(p)` for that sum from party `p`. Splitting each walk at its
//! first step gives `N(p) = sum over k owned by p of share(p, k) * ([k = c] + N(k))`, a linear
//! system `(I - A) N = A e_c` restricted to the parties that reach `c`. Without cycles it is
//! triangular and solved in dependency order; each group of cross-holding entities (a
//! strongly connected component) is a small dense block solved by Gaussian elimination over
//! exact rationals. The block is invertible because the graph refuses loops wholly owned from
//! inside (see `OwnershipGraph::build`), so its spectral radius is below one; the same fact
//! makes the walk series converge, and the exact solution equals its limit.
//!
//! `passes(k)` says whether a walk may continue upward through `k`: the aggregate of flagged
//! holders stops at the first flagged holder met, so that a flagged parent and its flagged
//! subsidiary are not counted twice. Zeroing entries of `A` only lowers its spectral radius, so
//! every block stays invertible.

use std::collections::VecDeque;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use num_rational::BigRational;
use num_traits::{One, Zero};

use super::graph::OwnershipGraph;
use super::scc;
use super::share::Share;

/// `N(p)` for every party with a walk to the customer.
#[derive(Debug)]
pub(crate) struct WalkSums {
    pub(crate) values: HashMap<usize, Share>,
    /// The cross-holding groups (components of two or more entities) the walks cross.
    pub(crate) cycles: Vec<Vec<usize>>,
}

/// `None` only if a block is singular, which a built graph rules out.
pub(crate) fn walk_sums(
    graph: &OwnershipGraph,
    customer: usize,
    passes: &dyn Fn(usize) -> bool,
) -> Option<WalkSums> {
    let nodes = holders_reaching(graph, customer, passes);
    let local: HashMap<usize, usize> = nodes.iter().enumerate().map(|(i, &v)| (v, i)).collect();
    let continues = |k: usize| passes(k) && local.contains_key(&k);
    let adjacency: Vec<Vec<usize>> = nodes
        .iter()
        .map(|&p| {
            graph
                .holdings_of(p)
                .iter()
                .filter(|h| continues(h.party))
                .filter_map(|h| local.get(&h.party).copied())
                .collect()
        })
        .collect();
    let mut values: Vec<Share> = vec![Share::zero(); nodes.len()];
    let mut cycles = Vec::new();
    let found = scc::components(nodes.len(), |v, i| adjacency.get(v)?.get(i).copied());
    for component in found.iter() {
        if let [single] = component {
            let p = nodes[*single];
            let mut total = Share::zero();
            for holding in graph.holdings_of(p) {
                let mut onward = if holding.party == customer {
                    Share::one()
                } else {
                    Share::zero()
                };
                if continues(holding.party)
                    && let Some(&k) = local.get(&holding.party)
                {
                    onward = onward.add(&values[k]);
                }
                if !onward.is_zero() {
                    total = total.add(&holding.share.mul(&onward));
                }
            }
            values[*single] = total;
            continue;
        }
        let block = solve_block(
            graph, customer, &nodes, &local, component, &values, &continues,
        )?;
        for (&member, value) in component.iter().zip(block) {
            values[member] = Share::from_rational(value);
        }
        cycles.push(component.iter().map(|&i| nodes[i]).collect());
    }
    Some(WalkSums {
        values: nodes.into_iter().zip(values).collect(),
        cycles,
    })
}

/// Parties with a walk to `customer` whose intermediate parties all pass, found by walking the
/// owner lists upward from the customer.
fn holders_reaching(
    graph: &OwnershipGraph,
    customer: usize,
    passes: &dyn Fn(usize) -> bool,
) -> Vec<usize> {
    let mut seen: HashSet<usize> = HashSet::default();
    let mut order = Vec::new();
    let mut queue = VecDeque::from([customer]);
    while let Some(v) = queue.pop_front() {
        for owner in graph.owners_of(v) {
            if !seen.insert(owner.party) {
                continue;
            }
            order.push(owner.party);
            if owner.party != customer && passes(owner.party) {
                queue.push_back(owner.party);
            }
        }
    }
    order
}

/// Solves `N(p) - sum_{k in block} a(p,k) N(k) = rhs(p)` for the members of one block.
fn solve_block(
    graph: &OwnershipGraph,
    customer: usize,
    nodes: &[usize],
    local: &HashMap<usize, usize>,
    component: &[usize],
    values: &[Share],
    continues: &dyn Fn(usize) -> bool,
) -> Option<Vec<BigRational>> {
    let size = component.len();
    let position: HashMap<usize, usize> = component
        .iter()
        .enumerate()
        .map(|(row, &member)| (member, row))
        .collect();
    let mut matrix = vec![vec![BigRational::zero(); size]; size];
    let mut rhs = vec![BigRational::zero(); size];
    for (row, &member) in component.iter().enumerate() {
        matrix[row][row] = BigRational::one();
        for holding in graph.holdings_of(nodes[member]) {
            let share = holding.share.to_big();
            if holding.party == customer {
                rhs[row] += &share;
            }
            if !continues(holding.party) {
                continue;
            }
            let Some(&k) = local.get(&holding.party) else {
                continue;
            };
            match position.get(&k) {
                Some(&column) => matrix[row][column] -= &share,
                None => rhs[row] += &share * values[k].to_big(),
            }
        }
    }
    gaussian_elimination(matrix, rhs)
}

/// Exact elimination with a search for a non-zero pivot; `None` when the matrix is singular.
fn gaussian_elimination(
    mut matrix: Vec<Vec<BigRational>>,
    mut rhs: Vec<BigRational>,
) -> Option<Vec<BigRational>> {
    let size = rhs.len();
    for column in 0..size {
        let pivot = (column..size).find(|&row| !matrix[row][column].is_zero())?;
        matrix.swap(column, pivot);
        rhs.swap(column, pivot);
        let (upper, lower) = matrix.split_at_mut(column + 1);
        let pivot_row = &upper[column];
        let (rhs_upper, rhs_lower) = rhs.split_at_mut(column + 1);
        for (target, target_rhs) in lower.iter_mut().zip(rhs_lower.iter_mut()) {
            if target[column].is_zero() {
                continue;
            }
            let factor = &target[column] / &pivot_row[column];
            for (cell, pivot_cell) in target.iter_mut().zip(pivot_row).skip(column) {
                *cell -= &factor * pivot_cell;
            }
            *target_rhs -= &factor * &rhs_upper[column];
        }
    }
    let mut solution = vec![BigRational::zero(); size];
    for row in (0..size).rev() {
        let mut value = rhs[row].clone();
        for k in row + 1..size {
            value -= &matrix[row][k] * &solution[k];
        }
        solution[row] = value / &matrix[row][row];
    }
    Some(solution)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(n: i64, d: i64) -> BigRational {
        BigRational::new(n.into(), d.into())
    }

    #[test]
    fn elimination_solves_and_detects_singularity() {
        // x - y/2 = 1, -x/3 + y = 0  =>  x = 6/5, y = 2/5
        let matrix = vec![vec![q(1, 1), q(-1, 2)], vec![q(-1, 3), q(1, 1)]];
        let solution = gaussian_elimination(matrix, vec![q(1, 1), q(0, 1)]).unwrap();
        assert_eq!(solution, vec![q(6, 5), q(2, 5)]);
        let singular = vec![vec![q(1, 1), q(-1, 1)], vec![q(-1, 1), q(1, 1)]];
        assert_eq!(gaussian_elimination(singular, vec![q(0, 1), q(0, 1)]), None);
    }
}
