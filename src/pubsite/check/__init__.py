"""The check stage: what validate reports on the raw entries (rules) and on field text
(text_checks). It reads what the read stage made and changes nothing."""
