//! Integration tests: every fixture list parses with the documented counts, known names screen
//! to their entities with explanations, and the scorer's properties hold.

mod screening {
    mod fixtures;
    mod hits;
    mod properties;
}
