"""Rendered pages: Jinja2 templates, listings, feed and sitemap, and the theme's static
files, each output with a key so unchanged pages are not rendered again."""
