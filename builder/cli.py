"""The command line only: parse options, call the library, print errors as ``path:line``.

Built on click. An author's mistake (a ``BuildError``) prints one clean line per problem and
exits 1; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import os
import re
import sys
import time
import unicodedata
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from builder.errors import BuildError, BuildWarning, plural

if TYPE_CHECKING:
    from builder.figures.executor import ExecutorFactory
    from builder.uptodate import Replay

_PROJECT = click.option(
    "--root", type=click.Path(file_okay=False, path_type=Path), default=".",
    help="The project folder (holding site.toml and posts/).", show_default=True,
)


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="build-site")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Build a blog whose figures are code. With no command, runs `build`."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(build)


@cli.command()
@_PROJECT
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder (default: output_dir of site.toml, 'site').")
@click.option("--drafts", is_flag=True, help="Include drafts and future-dated posts.")
@click.option("--base-url", help="Public URL of the site, e.g. https://example.org/blog/.")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), help="Worker processes (default: cores).")
@click.option("--no-cache", is_flag=True, help="Parse and run everything afresh.")
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local",
              show_default=True, help="Where figure blocks run: worker processes here, or a "
              "Dask cluster (pip install 'build-site[distributed]').")
@click.option("--scheduler", metavar="tcp://HOST:PORT",
              help="The Dask scheduler to use (implies --executor dask; default: "
                   "DASK_SCHEDULER_ADDRESS, else a cluster of --jobs processes here).")
@click.option("--explain", is_flag=True,
              help="Say for each figure block whether it ran, and why, or came from the cache.")
@click.option("--timings", is_flag=True, help="Print how long each stage took.")
@click.option("--quiet", "-q", is_flag=True, help="Print errors only.")
def build(root: Path, out: Path | None, drafts: bool, base_url: str | None, jobs: int | None,
          no_cache: bool, executor: str, scheduler: str | None, explain: bool, timings: bool,
          quiet: bool) -> None:
    """Build the site into site/ (or --out)."""
    from builder.config import load_config
    from builder.progress import Status

    started = time.perf_counter()
    status = Status()
    say = (lambda _msg: None) if quiet else status.say
    try:
        config = load_config(
            root, base_url=base_url,
            output_dir=str(out.resolve()) if out is not None else None,
        )
        inputs = None
        if not no_cache and not explain:  # --explain asks for every block's story afresh
            from builder import uptodate

            inputs = uptodate.stamp_inputs(config, drafts)
            replay = uptodate.unchanged(config, inputs)
            if replay is not None:
                _say_unchanged(replay, config.output_dir, started, timings, quiet)
                return
        from builder.build import BuildOptions, build_site

        options = BuildOptions(drafts=drafts, use_cache=not no_cache,
                               progress=None if quiet else status.progress,
                               executor=_executor(executor, scheduler), inputs=inputs,
                               **({"jobs": jobs} if jobs else {}))
        report = build_site(config, options, say, warn if not quiet else _ignore)
    except BuildError as error:
        status.clear()
        _fail(error)
    except KeyboardInterrupt:  # the workers are already stopped (figures/sandbox.py)
        status.clear()
        click.echo("build-site: interrupted; site/ holds the last complete build", err=True)
        sys.exit(130)
    finally:
        status.clear()
    if explain:
        for line in report.explain:
            click.echo(line, err=True)
    if timings:
        import resource

        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        click.echo("  ".join(f"{stage} {seconds:.3f}s" for stage, seconds
                             in report.timings.items())
                   + f"  peak memory: builder {own:.0f} MiB, largest worker {workers:.0f} MiB",
                   err=True)
    if not quiet:
        if report.skipped:
            from builder.build import not_built_summary

            status.say(not_built_summary(report.skipped))
        written = report.write
        _say_built(report.posts, config.output_dir, started,
                   f"parsed {report.parsed}, ran {plural(report.figures_ran, 'figure block')} "
                   f"({report.figures_cached} cached), "
                   + (f"typeset the math of {plural(report.math_typeset, 'post')}, "
                      if report.math_typeset else "")
                   + f"wrote {plural(len(written.written), 'file')}, "
                   f"removed {len(written.removed)}, {written.unchanged} unchanged",
                   len(report.warnings))


def _say_built(posts: int, output_dir: str, started: float, what: str, warnings: int) -> None:
    """The line that ends every build: 'built 3 posts into site/ in 0.42s: ...'."""
    click.echo(f"built {plural(posts, 'post')} into {output_dir}/ in "
               f"{time.perf_counter() - started:.2f}s: {what}"
               + (f", {plural(warnings, 'warning')}" if warnings else ""), err=True)


def _say_unchanged(replay: Replay, output_dir: str, started: float, timings: bool,
                   quiet: bool) -> None:
    """What a build that found nothing changed says: the last build's warnings and numbers,
    in the words of any build (nothing was parsed, ran or written)."""
    if timings:
        click.echo(f"unchanged {time.perf_counter() - started:.3f}s", err=True)
    if quiet:
        return
    for warning in replay.warnings:
        warn(warning)
    if replay.not_built:
        click.echo(replay.not_built, err=True)
    _say_built(replay.posts, output_dir, started,
               f"nothing changed since the last build, parsed 0, ran 0 figure blocks "
               f"({replay.figures} cached), wrote 0 files, removed 0, {replay.outputs} unchanged",
               len(replay.warnings))


def _executor(name: str, scheduler: str | None) -> ExecutorFactory | None:
    """The Dask cluster's executor, made when the build has a block to run (Dask is imported
    only then, and only with the option)."""
    if name == "local" and scheduler is None:
        return None
    from functools import partial

    from builder.figures.dask_executor import DaskExecutor

    return partial(DaskExecutor, scheduler=scheduler)


@cli.command()
@_PROJECT
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but loopback exposes your drafts.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port (0: any free port).")
@click.option("--drafts", is_flag=True, help="Include drafts and future-dated posts.")
@click.option("--open", "open_browser", is_flag=True, help="Open the site in a browser.")
@click.option("--allow-host", "allow", multiple=True, metavar="NAME",
              help="Also answer requests for this host name (with --host 0.0.0.0, say).")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), help="Worker processes (default: cores).")
def serve(root: Path, host: str, port: int, drafts: bool, open_browser: bool,
          allow: tuple[str, ...], jobs: int | None) -> None:
    """Build, serve on http://127.0.0.1:8000/ and rebuild on every save."""
    from builder.config import load_config
    from builder.preview.hosts import is_loopback
    from builder.preview.server import serve as run_server
    from builder.progress import Status

    status = Status(prefix=lambda: time.strftime("%H:%M:%S"))
    if not is_loopback(host):
        status.say(f"warning: listening on {host}: other machines can read this preview, "
                   "drafts too; they may ask for it by IP address, or by a name given with "
                   "--allow-host")
    try:
        config = load_config(root)
    except BuildError as error:
        _fail(error)

    def ready(url: str) -> None:
        if not sys.stdout.isatty():  # a terminal saw the "serving" line: once is enough
            click.echo(url)  # on stdout alone, for scripts and tests
        if open_browser:
            import webbrowser

            webbrowser.open(url)

    try:
        run_server(config, host, port, drafts, jobs or (os.cpu_count() or 1), status.say,
                   ready, allow, status.progress)
    except BuildError as error:
        _fail(error)


@cli.command()
@_PROJECT
@click.option("--update", is_flag=True, help="Rewrite figures.lock from this run.")
@click.option("--drafts", is_flag=True, help="Check drafts and future-dated posts too.")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), help="Worker processes (default: cores).")
def check(root: Path, update: bool, drafts: bool, jobs: int | None) -> None:
    """Regenerate every figure from scratch and compare with figures.lock."""
    from builder.build import BuildOptions
    from builder.check import LOCK_FILE, check_figures
    from builder.config import load_config
    from builder.progress import Status

    status = Status()
    try:
        config = load_config(root)
        options = BuildOptions(drafts=drafts, progress=status.progress,
                               **({"jobs": jobs} if jobs else {}))
        report = check_figures(config, options, update, status.say)
    except BuildError as error:
        status.clear()
        _fail(error)
    finally:
        status.clear()
    for problem in report.problems:
        click.echo(click.style(problem, fg="red"), err=True)
    if report.problems:
        click.echo(f"check failed: {plural(len(report.problems), 'problem')}", err=True)
        sys.exit(1)
    verb = f"wrote {LOCK_FILE} for" if report.updated else "all match"
    click.echo(f"{report.figures} figures regenerate identically; {verb} {LOCK_FILE}"
               if not report.updated else f"{verb} {report.figures} figures", err=True)


@cli.command()
@_PROJECT
@click.argument("title")
@click.option("--date", "when", type=click.DateTime(["%Y-%m-%d"]), help="Default: today.")
def new(root: Path, title: str, when: object) -> None:
    """Create posts/YYYY-MM-DD-title.md with front matter."""
    from builder.config import load_config

    try:
        config = load_config(root)
    except BuildError as error:
        _fail(error)
    day = when.date() if hasattr(when, "date") else date.today()  # type: ignore[union-attr]
    slug = _slugify(title)
    if not slug:
        _fail(BuildError(f"cannot make a file name from the title {title!r}"))
    path = config.posts_path / f"{day.isoformat()}-{slug}.md"
    if path.exists():
        _fail(BuildError("a post with this name exists already",
                         os.path.relpath(path, config.root)))
    path.parent.mkdir(parents=True, exist_ok=True)
    quoted = title.replace("\\", "\\\\").replace('"', '\\"')
    path.write_text(
        f'---\ntitle: "{quoted}"\ndate: {day.isoformat()}\ntags: []\ndraft: true\n---\n\n'
        "Write here. Math works inline, $e^{i\\pi} + 1 = 0$, and as display:\n\n"
        "$$\n\\int_0^1 x^2\\,dx = \\tfrac{1}{3}\n$$\n",
        encoding="utf-8",
    )
    click.echo(os.path.relpath(path))


def _slugify(title: str) -> str:
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80].strip("-")


def warn(warning: BuildWarning) -> None:
    """One yellow line per warning, on standard error."""
    click.echo(click.style(str(warning), fg="yellow"), err=True)


def _ignore(_: object) -> None:
    pass


def _fail(error: BuildError) -> None:
    from builder.errors import describe

    click.echo(click.style(describe(error), fg="red"), err=True)
    sys.exit(1)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
