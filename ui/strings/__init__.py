"""UI strings by area, merged into ui.i18n.STRINGS (each entry: {"id": ..., "en": ...})."""
