//! Placeholder: the gas table benchmark (whole transactions on anvil) is being written.
fn main() {}
