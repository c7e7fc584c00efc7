"""Invoice pre-check: SOP rules as data, deterministic checks, the model for free-text clauses."""
