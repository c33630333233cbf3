"""The model every stage speaks: the site's frozen dataclasses (site) and the facts they are
built from, each in one table: identifiers (DOI, arXiv, months), urls (the allow-list),
chars (invisible characters) and cleantext. It imports no stage."""
