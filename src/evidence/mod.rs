//! Evidence about deliveries gathered from outside the Partner API: Linq's own delivery log
//! (`logs`) and what an endpoint does when this machine talks to it (`probe`). Plain data
//! out; `diagnose` turns it into findings, so the dashboard, `doctor`, `logs` and `probe`
//! agree word for word.

pub mod logs;
pub mod probe;
