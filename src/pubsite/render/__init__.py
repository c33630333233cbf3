"""The render stage: one module per output family (html, markdown, cv, data), the format
spellings they share (formats), and the one table of formats (registry)."""
