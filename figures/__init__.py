"""The authors' shared figure code, importable from any figure block as ``figures.…``."""
