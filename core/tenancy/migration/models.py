"""Tables of migration (registered in db.models)."""
