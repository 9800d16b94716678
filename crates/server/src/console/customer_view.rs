//! What the customer profile draws: enum labels, identity data as masked rows, and the
//! ownership structure laid out as an SVG graph (computed here, drawn by the template, so every
//! name goes through askama's escaping).

use std::collections::{BTreeMap, HashMap, VecDeque};

use cloudkyc_app::ownership::OwnershipView;
use cloudkyc_domain::cip::ValidatedCustomer;
use serde::Serialize;

/// A value's snake_case serde name (`pending`, `not_required`, ...).
pub(crate) fn label(value: &impl Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

/// One identity field: where it is in the record, and its value or a mask.
pub(crate) struct IdentityRow {
    pub field: String,
    pub value: String,
}

/// Every leaf field of the validated customer, masked unless `revealed` (the mask keeps no
/// character of the value: a length or a last digit can be enough to identify someone).
pub(crate) fn identity_rows(customer: &ValidatedCustomer, revealed: bool) -> Vec<IdentityRow> {
    let mut rows = Vec::new();
    if let Ok(value) = serde_json::to_value(customer) {
        flatten("", &value, &mut rows);
    }
    if !revealed {
        for row in &mut rows {
            row.value = "••••••".to_owned();
        }
    }
    rows
}

fn flatten(path: &str, value: &serde_json::Value, out: &mut Vec<IdentityRow>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                let next = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                flatten(&next, v, out);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten(&format!("{path}[{i}]"), v, out);
            }
        }
        serde_json::Value::Null => {}
        serde_json::Value::String(s) => out.push(IdentityRow {
            field: path.to_owned(),
            value: s.clone(),
        }),
        other => out.push(IdentityRow {
            field: path.to_owned(),
            value: other.to_string(),
        }),
    }
}

pub(crate) struct Node {
    pub x: i64,
    pub y: i64,
    pub name: String,
    pub detail: String,
    pub is_customer: bool,
}

pub(crate) struct Edge {
    pub x1: i64,
    pub y1: i64,
    pub x2: i64,
    pub y2: i64,
    pub label: String,
    pub lx: i64,
    pub ly: i64,
}

/// The structure in columns: the customer on the left, each holder one column further right
/// than the nearest party it holds; ownership edges labelled with their percentage.
pub(crate) struct Graph {
    pub width: i64,
    pub height: i64,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    /// The computed beneficial owners: name, effective percent, basis.
    pub owners: Vec<(String, String, String)>,
}

const COLUMN: i64 = 240;
const ROW: i64 = 70;
const BOX_W: i64 = 190;
const BOX_H: i64 = 44;

impl Graph {
    pub(crate) fn of(view: &OwnershipView) -> Self {
        // Edges point from the holder to what it holds.
        let mut holders: HashMap<&str, Vec<&str>> = HashMap::new();
        for e in &view.edges {
            holders
                .entry(e.to.as_str())
                .or_default()
                .push(e.from.as_str());
        }
        let mut column: HashMap<&str, i64> = HashMap::new();
        let mut queue = VecDeque::from([("customer", 0)]);
        while let Some((party, depth)) = queue.pop_front() {
            if column.contains_key(party) {
                continue;
            }
            column.insert(party, depth);
            for holder in holders.get(party).into_iter().flatten() {
                queue.push_back((holder, depth + 1));
            }
        }
        let mut by_column: BTreeMap<i64, Vec<&str>> = BTreeMap::new();
        for p in &view.parties {
            let c = column.get(p.id.as_str()).copied().unwrap_or(0);
            by_column.entry(c).or_default().push(p.id.as_str());
        }
        let mut place: HashMap<&str, (i64, i64)> = HashMap::new();
        for (c, ids) in &by_column {
            for (i, id) in ids.iter().enumerate() {
                place.insert(id, (20 + c * COLUMN, 20 + i as i64 * ROW));
            }
        }
        let nodes = view
            .parties
            .iter()
            .filter_map(|p| {
                let (x, y) = *place.get(p.id.as_str())?;
                Some(Node {
                    x,
                    y,
                    name: truncate(&p.name, 26),
                    detail: p.jurisdiction.clone().unwrap_or_default(),
                    is_customer: p.id == "customer",
                })
            })
            .collect::<Vec<_>>();
        let edges = view
            .edges
            .iter()
            .filter_map(|e| {
                let (fx, fy) = *place.get(e.from.as_str())?;
                let (tx, ty) = *place.get(e.to.as_str())?;
                let (x1, y1) = (fx, fy + BOX_H / 2);
                let (x2, y2) = (tx + BOX_W, ty + BOX_H / 2);
                let label = e
                    .percent
                    .as_ref()
                    .map(|p| format!("{p}%"))
                    .unwrap_or_else(|| e.kind.replace('_', " "));
                Some(Edge {
                    x1,
                    y1,
                    x2,
                    y2,
                    lx: (x1 + x2) / 2,
                    ly: (y1 + y2) / 2 - 4,
                    label,
                })
            })
            .collect();
        let columns = by_column.keys().max().copied().unwrap_or(0) + 1;
        let rows = by_column.values().map(Vec::len).max().unwrap_or(1) as i64;
        Self {
            width: 40 + columns * COLUMN,
            height: 40 + rows * ROW,
            nodes,
            edges,
            owners: view
                .beneficial_owners
                .iter()
                .map(|o| (o.name.clone(), o.effective_percent.clone(), o.basis.clone()))
                .collect(),
        }
    }

    pub(crate) fn box_w(&self) -> i64 {
        BOX_W
    }

    pub(crate) fn box_h(&self) -> i64 {
        BOX_H
    }
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(max - 1).collect::<String>())
    }
}
