"""The live preview: a file watcher, an HTTP server with live reload, and the script it
injects into every page."""
