//! Expressions as the exports show them: in the playbook language
//! (`crate::ir::show`), the one printer every back end shares.

pub use crate::ir::show::show;
