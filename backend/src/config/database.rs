//! `[database]`: where Padan keeps its own records.

use super::Secret;

padan_settings::settings! {
    #[derive(Debug, Clone)]
    pub struct DatabaseConfig {
        /// `sqlite://path/to/padan.db` (created if missing) or `postgres://…`.
        pub url: Secret = Secret::new("sqlite://.padan/padan.db"),
        /// Largest number of pooled database connections.
        pub max_connections: u32 = 8,
        /// SQLite: how much of the database file (its newest end) and of its
        /// write-ahead log (its start) the checkpointer keeps in the page cache,
        /// held mapped, in MiB; 0 turns it off. See `store::resident`.
        pub keep_cached_mib: u64 = 256,
    }
}

impl DatabaseConfig {
    pub(super) fn validate(&self, problems: &mut Vec<String>) {
        let url = self.url.expose();
        if !(url.starts_with("sqlite:") || url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            problems.push("database.url must start with sqlite: or postgres://".to_owned());
        }
        if self.max_connections == 0 {
            problems.push("database.max_connections must be at least 1".to_owned());
        }
    }
}
