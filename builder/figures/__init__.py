"""The figure engine: which blocks must run (stage, analysis), running them in worker
processes (runner, worker), the content-addressed cache, and what a block becomes in the page
(options, html, gif)."""
