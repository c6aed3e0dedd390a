"""The annotation engine: one read of each text (layout, sentences, clauses, numbers, mentions) and rule tables."""
