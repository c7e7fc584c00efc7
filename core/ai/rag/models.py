"""Tables of rag (registered in db.models)."""
