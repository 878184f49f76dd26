//! Slashing protection for Vigil operators (being written).
