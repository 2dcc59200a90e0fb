"""The search as plain data: no Keras, no widgets, no IPython (stdlib and numpy only)."""
