"""Dashboard parts (ipywidgets and anywidget); they know the core, never Keras."""
