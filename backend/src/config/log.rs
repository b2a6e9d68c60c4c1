//! `[log]`: the format and filter of the logs.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Json,
    Pretty,
}

padan_settings::settings! {
    #[derive(Debug, Clone)]
    pub struct LogConfig {
        /// `json`, one object a line, or `pretty` for a terminal.
        pub format: LogFormat = LogFormat::Json,
        /// `tracing` filter, e.g. `info,padan_backend=debug`.
        pub filter: String = "info".into(),
    }
}
