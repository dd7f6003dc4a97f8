//! Evidence about deliveries, gathered from outside the Partner API: Linq's own delivery
//! log (`logs`). Plain data in, plain data out; `diagnose` turns it into findings.

pub mod logs;
