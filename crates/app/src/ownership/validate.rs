//! A submitted structure into the stored form, every problem reported at once with its path;
//! then the structure on a date, checked by the domain graph (over-ownership, closed loops).

use chrono::NaiveDate;
use cloudkyc_domain::cip::{BeneficialOwnerDraft, CountryCode, validate_beneficial_owners};
use cloudkyc_domain::ownership::{
    Edge, GraphError, GraphProblem, OwnershipGraph, Party, PartyKind, PartyRef, Relation, Share,
};
use cloudkyc_store::ownership::{OwnershipParty, OwnershipStructure};

use super::{CUSTOMER_REF, EdgeDraft, EdgeType, PartyDraft, PercentDraft, StructureDraft};
use crate::{AppError, AppResult, FieldError};

/// Bounds that keep one request's work and storage reasonable; real structures are far smaller.
pub const MAX_PARTIES: usize = 2_000;
pub const MAX_EDGES: usize = 10_000;
const MAX_NAME_CHARS: usize = 200;

/// The stored form of `draft`, or every field error.
pub(super) fn structure(draft: &StructureDraft, today: NaiveDate) -> AppResult<OwnershipStructure> {
    let mut errors = Vec::new();
    if draft.parties.len() > MAX_PARTIES {
        errors.push(FieldError::new(
            "/parties",
            format!("at most {MAX_PARTIES} parties"),
        ));
    }
    if draft.edges.len() > MAX_EDGES {
        errors.push(FieldError::new(
            "/edges",
            format!("at most {MAX_EDGES} edges"),
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let parties: Vec<OwnershipParty> = draft
        .parties
        .iter()
        .enumerate()
        .filter_map(|(i, p)| party(i, p, today, &mut errors))
        .collect();
    let edges: Vec<Edge> = draft
        .edges
        .iter()
        .enumerate()
        .filter_map(|(i, e)| edge(i, e, &mut errors))
        .collect();
    if errors.is_empty() {
        Ok(OwnershipStructure { parties, edges })
    } else {
        Err(AppError::Invalid(errors))
    }
}

fn reference(path: &str, text: &str, errors: &mut Vec<FieldError>) -> Option<PartyRef> {
    PartyRef::new(text)
        .map_err(|e| errors.push(FieldError::new(path, e.to_string())))
        .ok()
}

fn party(
    i: usize,
    draft: &PartyDraft,
    today: NaiveDate,
    errors: &mut Vec<FieldError>,
) -> Option<OwnershipParty> {
    let at = |field: &str| format!("/parties/{i}/{field}");
    let before = errors.len();
    let id = reference(&at("id"), &draft.id, errors);
    if draft.id == CUSTOMER_REF {
        errors.push(FieldError::new(
            at("id"),
            "\"customer\" is the customer itself; list only the parties above it",
        ));
    }
    let (name, jurisdiction, person) = match draft.kind {
        PartyKind::Entity => {
            if draft.person.is_some() {
                errors.push(FieldError::new(at("person"), "applies to individuals only"));
            }
            let name = draft.name.as_deref().map(str::trim).unwrap_or_default();
            if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
                errors.push(FieldError::new(
                    at("name"),
                    format!("an entity needs its name, 1 to {MAX_NAME_CHARS} characters"),
                ));
            }
            let jurisdiction = draft.jurisdiction.as_deref().and_then(|text| {
                CountryCode::parse(text)
                    .map(|c| c.as_str().to_owned())
                    .map_err(|e| errors.push(FieldError::new(at("jurisdiction"), e.to_string())))
                    .ok()
            });
            (name.to_owned(), jurisdiction, None)
        }
        PartyKind::Individual => {
            for (field, given) in [
                ("name", draft.name.is_some()),
                ("jurisdiction", draft.jurisdiction.is_some()),
            ] {
                if given {
                    errors.push(FieldError::new(
                        at(field),
                        "applies to entities only; an individual's data is under person",
                    ));
                }
            }
            let Some(person) = &draft.person else {
                errors.push(FieldError::new(
                    at("person"),
                    "an individual needs person: the identifying data of a beneficial owner",
                ));
                return None;
            };
            check_person(i, person, today, errors);
            (person.name.full.clone(), None, Some(person.clone()))
        }
    };
    (errors.len() == before).then_some(())?;
    Some(OwnershipParty {
        reference: id?,
        kind: draft.kind,
        name,
        jurisdiction,
        person,
    })
}

/// An individual's data is checked as onboarding checks an owner's, so the owners computed
/// from it later validate too; the share and control are the structure's to say.
fn check_person(
    i: usize,
    person: &BeneficialOwnerDraft,
    today: NaiveDate,
    errors: &mut Vec<FieldError>,
) {
    let at = format!("/parties/{i}/person");
    for (field, given) in [
        ("ownership_percent", person.ownership_percent.is_some()),
        ("control", person.control.is_some()),
    ] {
        if given {
            errors.push(FieldError::new(
                format!("{at}/{field}"),
                "computed from the edges of the structure; leave it out",
            ));
        }
    }
    let mut probe = person.clone();
    probe.ownership_percent = Some(100.0);
    probe.control = None;
    if let Err(found) = validate_beneficial_owners(&[probe], today) {
        errors.extend(found.into_iter().map(|e| {
            let rest = e.path.strip_prefix("/beneficial_owners/0").unwrap_or("");
            FieldError::new(format!("{at}{rest}"), e.message)
        }));
    }
}

fn edge(i: usize, draft: &EdgeDraft, errors: &mut Vec<FieldError>) -> Option<Edge> {
    let at = |field: &str| format!("/edges/{i}/{field}");
    let before = errors.len();
    let from = reference(&at("from"), &draft.from, errors);
    let to = reference(&at("to"), &draft.to, errors);
    if draft.kind != EdgeType::Ownership && draft.percent.is_some() {
        errors.push(FieldError::new(at("percent"), "applies to ownership only"));
    }
    if draft.kind != EdgeType::Control && draft.control.is_some() {
        errors.push(FieldError::new(at("control"), "applies to control only"));
    }
    let relation = match draft.kind {
        EdgeType::Ownership => {
            let share = match &draft.percent {
                None => Err("ownership needs percent".to_owned()),
                Some(PercentDraft::Number(n)) => {
                    Share::from_percent_f64(*n).map_err(|e| e.to_string())
                }
                Some(PercentDraft::Text(t)) => {
                    Share::from_percent_str(t).map_err(|e| e.to_string())
                }
            }
            .and_then(|share| {
                if share.is_zero() || !Share::one().at_least(&share) {
                    Err("must be more than 0 and at most 100".to_owned())
                } else {
                    Ok(share)
                }
            });
            share
                .map(|share| Relation::Ownership { share })
                .map_err(|m| errors.push(FieldError::new(at("percent"), m)))
                .ok()
        }
        EdgeType::Control => match draft.control {
            Some(kind) => Some(Relation::Control { kind }),
            None => {
                errors.push(FieldError::new(at("control"), "control needs its kind"));
                None
            }
        },
        EdgeType::Directorship => Some(Relation::Directorship),
    };
    if let (Some(start), Some(end)) = (draft.valid_from, draft.valid_until)
        && end <= start
    {
        errors.push(FieldError::new(
            at("valid_until"),
            "must be after valid_from",
        ));
    }
    (errors.len() == before).then_some(())?;
    Some(Edge {
        from: from?,
        to: to?,
        relation: relation?,
        valid_from: draft.valid_from,
        valid_until: draft.valid_until,
    })
}

/// The customer's party: an entity named by the reserved reference.
pub(super) fn customer_ref() -> PartyRef {
    // The constant is a valid reference; the fallback is never taken.
    PartyRef::new(CUSTOMER_REF).unwrap_or_else(|_| PartyRef::from_uuid(uuid::Uuid::nil()))
}

/// The structure on `as_of`, with the customer added as the entity it is.
pub(super) fn graph(structure: &OwnershipStructure, as_of: NaiveDate) -> AppResult<OwnershipGraph> {
    let mut parties: Vec<Party> = Vec::with_capacity(structure.parties.len() + 1);
    parties.push(Party::entity(customer_ref()));
    parties.extend(structure.parties.iter().map(|p| Party {
        reference: p.reference.clone(),
        kind: p.kind,
    }));
    OwnershipGraph::build(parties, &structure.edges, as_of).map_err(graph_errors)
}

/// Graph problems as field errors: an edge's at its index, the rest at the list they concern.
fn graph_errors(error: GraphError) -> AppError {
    AppError::Invalid(
        error
            .problems
            .into_iter()
            .map(|problem| {
                let path = match &problem {
                    GraphProblem::UnknownParty { edge, .. }
                    | GraphProblem::SelfEdge { edge, .. }
                    | GraphProblem::ShareOutOfRange { edge, .. }
                    | GraphProblem::TargetNotAnEntity { edge, .. }
                    | GraphProblem::InvalidValidity { edge } => format!("/edges/{edge}"),
                    GraphProblem::DuplicateParty { .. } => "/parties".to_owned(),
                    GraphProblem::OverOwned { .. } | GraphProblem::ClosedCycle { .. } => {
                        "/edges".to_owned()
                    }
                };
                FieldError::new(path, problem.to_string())
            })
            .collect(),
    )
}
