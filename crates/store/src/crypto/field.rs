use cloudkyc_domain::TenantId;

/// Version byte that starts every field ciphertext: `version ‖ key id (u32 BE) ‖ nonce ‖ sealed`.
pub const CIPHERTEXT_VERSION: u8 = 1;

/// Where a ciphertext belongs. It is bound into the ciphertext as associated data, so a value
/// copied to another tenant, table, row or column no longer decrypts.
#[derive(Debug, Clone, Copy)]
pub struct Aad<'a> {
    pub tenant: TenantId,
    pub table: &'a str,
    pub row: &'a str,
    pub column: &'a str,
}

impl Aad<'_> {
    pub(crate) fn bytes(&self) -> Vec<u8> {
        let tenant = self.tenant.to_string();
        let mut out = b"cloudkyc-field-v1".to_vec();
        for part in [tenant.as_str(), self.table, self.row, self.column] {
            out.extend_from_slice(&u32::try_from(part.len()).unwrap_or(u32::MAX).to_be_bytes());
            out.extend_from_slice(part.as_bytes());
        }
        out
    }
}
