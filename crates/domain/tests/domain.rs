//! The integration tests of cloudkyc-domain: one binary, one submodule per area.

mod domain {
    mod cip;
}
