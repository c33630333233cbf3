"""The read stage: publications.bib and profile.toml into the model. Bytes to text (bib),
BibTeX's grammar (bibscan, braces, names), LaTeX to Unicode (latex, latexmacros), garbled
text (mojibake), TOML behind guards (tomlread), the profile against its schema (profile),
the links of profile Markdown (mdlinks), and raw entries to Publications (normalise)."""
