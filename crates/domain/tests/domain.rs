//! The integration tests of cloudkyc-domain: one binary, one submodule per area.

mod domain {
    mod cases;
    mod cip;
    mod measures;
    mod ownership;
    mod reseller;
}
