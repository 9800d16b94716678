//! The tenant scope every store method takes.
//!
//! A scope says who acts (`Actor`), for which tenant, with which role, and which tenants' data
//! it may read: its own and its descendants'. It can be built in exactly four ways, each named
//! after the trust it carries: from a verified API key (the HTTP auth layer), for a console user's live session, for the local
//! operator (the CLI, which already holds the database and the master key), and for a background
//! job acting on behalf of the tenant that enqueued it. Handlers never construct one.

use cloudkyc_domain::{ApiKeyId, Role, TenantId};

use crate::api_key::VerifiedKey;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    ApiKey(ApiKeyId),
    /// A person at the console (issue 8); the id is the user's.
    User(String),
    /// The local operator running the `cloudkyc` command line.
    Operator,
    /// A background job, named by its kind.
    System(String),
}

impl Actor {
    /// The stable text recorded in the audit chain.
    pub fn audit_name(&self) -> String {
        match self {
            Actor::ApiKey(id) => format!("key:{id}"),
            Actor::User(id) => format!("user:{id}"),
            Actor::Operator => "operator".to_owned(),
            Actor::System(job) => format!("system:{job}"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct TenantScope {
    tenant: TenantId,
    role: Role,
    actor: Actor,
    /// The tenant itself first, then its descendants.
    visible: Vec<TenantId>,
}

impl TenantScope {
    /// The scope of a request authenticated by an API key. `subtree` is the key's tenant followed
    /// by its descendants, as the store computed it.
    pub fn from_verified_key(key: VerifiedKey, subtree: Vec<TenantId>) -> Self {
        Self::build(key.tenant(), key.role(), Actor::ApiKey(key.id()), subtree)
    }

    /// A person signed in to the console (issue 8) with a live session: the user's role on the
    /// user's tenant. Only the console sign-in use case, which checked the session, makes one.
    pub fn console_user(
        user: String,
        tenant: TenantId,
        role: Role,
        subtree: Vec<TenantId>,
    ) -> Self {
        Self::build(tenant, role, Actor::User(user), subtree)
    }

    /// The local operator: full administrative access to one tenant and its descendants.
    pub fn operator(tenant: TenantId, subtree: Vec<TenantId>) -> Self {
        Self::build(tenant, Role::Admin, Actor::Operator, subtree)
    }

    /// A background job acting for `tenant`.
    pub fn system(tenant: TenantId, subtree: Vec<TenantId>, job_kind: &str) -> Self {
        Self::build(
            tenant,
            Role::Admin,
            Actor::System(job_kind.to_owned()),
            subtree,
        )
    }

    fn build(tenant: TenantId, role: Role, actor: Actor, mut subtree: Vec<TenantId>) -> Self {
        subtree.retain(|t| *t != tenant);
        subtree.insert(0, tenant);
        Self {
            tenant,
            role,
            actor,
            visible: subtree,
        }
    }

    pub fn tenant(&self) -> TenantId {
        self.tenant
    }

    pub fn role(&self) -> Role {
        self.role
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The tenants whose data this scope may read: its own and its descendants'.
    pub fn visible(&self) -> &[TenantId] {
        &self.visible
    }

    pub fn can_see(&self, tenant: TenantId) -> bool {
        self.visible.contains(&tenant)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scope_always_sees_its_own_tenant_first_and_only_once() {
        let me = TenantId::new();
        let child = TenantId::new();
        let scope = TenantScope::operator(me, vec![child, me]);
        assert_eq!(scope.visible(), &[me, child]);
        assert!(scope.can_see(child));
        assert!(!scope.can_see(TenantId::new()));
    }
}
