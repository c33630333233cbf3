"""The render stage: one module per output family (html, markdown, cv, data), the format
spellings they share (formats), and the registry of formats by name (registry)."""
