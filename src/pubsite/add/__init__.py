"""`pubsite add`: one new entry in publications.bib from a DOI, an arXiv id, a DBLP record
or pasted BibTeX, read back through the same reader, checks and normaliser as a build."""
