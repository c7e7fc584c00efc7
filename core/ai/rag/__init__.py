"""Questions over company documents: ingestion, hybrid retrieval, cited answers."""
