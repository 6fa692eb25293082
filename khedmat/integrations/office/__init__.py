"""Office automation (R-19): create a letter and follow its routing through a provider adapter."""
