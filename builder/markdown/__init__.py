"""Markdown to HTML: markdown-it-py and its plugins, math, figure fences; the parse stage
with its process pool and content-addressed cache."""
