"""pubsite: an academic homepage, Markdown and CV publication list from BibTeX."""

__version__ = "0.1.0"
