"""Pandoc's citations: ``[@key]``, ``@key says``, ``[see @a, p. 3; @b]``, formatted by
Pandoc's citeproc with a CSL style, and the reference list they make."""
