//! Dukcapil simulator (being built).
