"""Tables of precheck (registered in db.models)."""
