//! Evidence gathered from outside the account: what an endpoint does when this machine
//! talks to it. Plain data out; `diagnose` turns it into findings, so the dashboard,
//! `doctor` and `probe` agree word for word.

pub mod probe;
