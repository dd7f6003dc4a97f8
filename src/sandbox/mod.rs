//! Linq-compatible sandbox server (in progress).
