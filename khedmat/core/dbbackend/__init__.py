"""PostgreSQL through Django's backend, with a health check that trusts a connection for a while
(`base.DatabaseWrapper`)."""
