"""Tables of digest (registered in db.models)."""
