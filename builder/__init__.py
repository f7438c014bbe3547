"""build-site: a static blog generator for technical posts whose figures are code.

The pipeline, one module per stage (see ``build.build_site``):
sources -> parsed posts -> executed figures -> rendered pages -> written site.
"""

__version__ = "0.1.0"
