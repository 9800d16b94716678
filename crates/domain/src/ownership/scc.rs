//! Strongly connected components (Tarjan), iterative so that a chain of ten thousand holding
//! companies cannot overflow the stack.

const UNVISITED: usize = usize::MAX;

/// Strongly connected components, flat: component `i` is
/// `members[bounds[i]..bounds[i + 1]]`. One allocation for the whole graph, not one per
/// component, which matters when a portfolio of a million parties is checked at once.
#[derive(Debug, Default)]
pub(crate) struct Components {
    members: Vec<usize>,
    bounds: Vec<usize>,
}

impl Components {
    pub(crate) fn iter(&self) -> impl Iterator<Item = &[usize]> {
        self.bounds
            .windows(2)
            .filter_map(|pair| self.members.get(pair[0]..pair[1]))
    }
}

/// Components of the graph on nodes `0..n` whose `i`-th edge out of `v` leads to
/// `successor(v, i)` (`None` past the last), each emitted after every component it has an
/// edge into: processing them in order visits what a node depends on before the node. Edges
/// to nodes outside `0..n` are ignored.
pub(crate) fn components(
    n: usize,
    successor: impl Fn(usize, usize) -> Option<usize>,
) -> Components {
    let mut index = vec![UNVISITED; n];
    let mut low = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<usize> = Vec::new();
    let mut next = 0usize;
    let mut out = Components {
        members: Vec::with_capacity(n),
        bounds: vec![0],
    };
    let mut calls: Vec<(usize, usize)> = Vec::new();
    for root in 0..n {
        if index[root] != UNVISITED {
            continue;
        }
        calls.push((root, 0));
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(frame) = calls.last_mut() {
            let (v, cursor) = *frame;
            if let Some(w) = successor(v, cursor) {
                frame.1 += 1;
                if w >= n {
                    continue;
                }
                if index[w] == UNVISITED {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    calls.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            calls.pop();
            if let Some(&(parent, _)) = calls.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    out.members.push(w);
                    if w == v {
                        break;
                    }
                }
                out.bounds.push(out.members.len());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_cycles_and_orders_dependencies_first() {
        // 0 -> 1 -> 2 -> 1, 2 -> 3
        let adjacency: Vec<Vec<usize>> = vec![vec![1], vec![2], vec![1, 3], vec![]];
        let found: Vec<Vec<usize>> = components(4, |v, i| adjacency[v].get(i).copied())
            .iter()
            .map(<[usize]>::to_vec)
            .collect();
        let position = |v: usize| found.iter().position(|c| c.contains(&v)).unwrap();
        assert_eq!(found.len(), 3);
        assert!(position(3) < position(1));
        assert!(position(1) < position(0));
        assert_eq!(position(1), position(2));
    }

    #[test]
    fn deep_chains_do_not_recurse() {
        let n = 200_000;
        let adjacency: Vec<Vec<usize>> = (0..n)
            .map(|v| if v + 1 < n { vec![v + 1] } else { vec![] })
            .collect();
        let found = components(n, |v, i| adjacency[v].get(i).copied());
        assert_eq!(found.iter().count(), n);
        assert_eq!(found.iter().next(), Some(&[n - 1][..]));
    }
}
