"""A block's outputs, made ready for the page (in the build, not the worker).

The worker reports outputs in order (see ``display.py``); here images become content-
addressed objects of the cache and then files of the site beside the post's page, Markdown
(and LaTeX math) a displayed object gave is rendered with the post's own Markdown parser, and
the traceback of an ``error: true`` block becomes its last output.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from builder.errors import BuildError, BuildWarning
from builder.figures.cache import FigureCache
from builder.figures.inline import inline_result
from builder.markdown.references import local_references
from builder.model import (
    CellOutput,
    FigureBlock,
    FigureImage,
    FigureResult,
    ParsedBody,
    PostMeta,
    StoredFile,
)
from builder.write import Output

if TYPE_CHECKING:
    from builder.figures.stage import FigureStage


def stored_outputs(result: dict[str, Any], cache: FigureCache, folder: Path,
                   ) -> list[dict[str, Any]]:
    """A worker's outputs as a cache entry keeps them: image files moved into the store."""
    outputs = []
    for output in result["outputs"]:
        if output["type"] == "image":
            digest = cache.store_image(folder / output["file"], output["file"])
            output = {**output, "digest": digest}
            if output.get("player"):  # an animation's frames for the player
                name = output["player"]
                output["player"] = {"file": name,
                                    "digest": cache.store_image(folder / name, name)}
        outputs.append(output)
    error = result["error"]
    if error:
        outputs.append({"type": "error", "text": error["details"] or error["message"]})
    return outputs


def stored_files(result: dict[str, Any], cache: FigureCache) -> list[dict[str, str]]:
    """The files a block wrote in the post's folder, moved into the store."""
    return [{"file": item["file"], "digest": cache.store_image(Path(item["path"]), item["file"])}
            for item in result["files"]]


def results_and_outputs(posts: Sequence[tuple[PostMeta, ParsedBody]],
                        entries: dict[tuple[str, int], dict[str, Any]],
                        cache: FigureCache, stage: FigureStage) -> None:
    """Each block's ``FigureResult``, and each image as a file of the site."""
    for entry in entries.values():
        stage.deps.update(entry["deps"])
    for meta, body in posts:
        if not body.blocks and not body.inline:
            continue
        _inline_results(meta, body, entries, stage)
        folder = str(PurePosixPath(meta.output_file).parent)
        folder = "" if folder == "." else folder + "/"
        claimed: dict[str, int] = {}
        for block in body.blocks:
            entry = entries.get((meta.source, block.index))
            if entry is None:
                continue
            outputs = []
            for output in entry["outputs"]:
                if output["type"] != "image":
                    try:
                        asis = block.options.get("output") == "asis"
                        outputs.append(_cell_output(output, meta, block.line, asis))
                    except BuildError as error:
                        stage.errors.append(error)
                    continue
                image = image_of(output)
                taken = [f.file for f in image.stored_files() if f.file in claimed]
                if taken:
                    stage.errors.append(BuildError(
                        f"figure file '{taken[0]}' is also made by the block on line "
                        f"{claimed[taken[0]]}", meta.source, block.line,
                        hint="give one of them '#| file: another-name'",
                    ))
                    continue
                outputs.append(CellOutput("image", image=image))
                for stored in image.stored_files():
                    claimed[stored.file] = block.line
                    stage.outputs.append(Output(
                        folder + stored.file, "figure:" + stored.digest,
                        lambda d=stored.digest, n=stored.file: cache.read_image(d, n),
                        meta.source,
                    ))
            stage.results[meta.source][block.index] = FigureResult(block.index, tuple(outputs))
            options = block.options
            _check_subcaptions(block, outputs, meta.source, stage.warnings)
            _check_subrefs(block, outputs, meta.source, stage.warnings)
            captioned = "fig-cap" in options or block.label.startswith("fig-")
            if captioned and not any(o.image for o in outputs) and options.get("output", True) \
                    is not False and options.get("include", True) is not False:
                stage.warnings.append(BuildWarning(
                    meta.source, block.line, "the block is a figure (a fig- label or fig-cap) "
                    "but showed no image", "draw something, or drop the caption"))
        _publish_written(meta, body, entries, cache, stage, folder, claimed)


def image_of(output: dict[str, Any]) -> FigureImage:
    """An image output of a cache entry, with its player's file."""
    player = output.get("player")
    return FigureImage(output["file"], output["width"], output["height"], output["frames"],
                       output["digest"], output.get("figure", True),
                       StoredFile(player["file"], player["digest"]) if player else None)


def _inline_results(meta: PostMeta, body: ParsedBody,
                    entries: dict[tuple[str, int], dict[str, Any]], stage: FigureStage) -> None:
    """Each inline expression's value, rendered for the text (``inline.py``)."""
    for unit in body.inline:
        entry = entries.get((meta.source, unit.index))
        value = next((o for o in entry["outputs"] if o["type"] == "inline"), None) \
            if entry else None
        if value is None:
            continue
        try:
            stage.results[meta.source][unit.index] = inline_result(value, unit, meta.source)
        except BuildError as error:
            stage.errors.append(error)


def _check_subcaptions(block: FigureBlock, outputs: list[CellOutput], source: str,
                       warnings: list[BuildWarning]) -> None:
    """One sub-caption per image (or table) the block showed, or a warning at the option:
    Quarto then leaves the extra ones uncaptioned, or some captions unused, silently."""
    for key, what in (("fig-subcap", "figure"), ("tbl-subcap", "table")):
        given = block.options.get(key)
        if not isinstance(given, list):
            continue
        shown = _count(outputs, what)
        if shown != len(given):
            warnings.append(BuildWarning(
                source, block.option_lines.get(key, block.line),
                f"{key} gives {len(given)} captions but the block showed {shown} "
                f"{what}{'s' if shown != 1 else ''}", "give one caption per " + what))


def _check_subrefs(block: FigureBlock, outputs: list[CellOutput], source: str,
                   warnings: list[BuildWarning]) -> None:
    """``@fig-x-4`` where the block showed three figures: a warning at the reference."""
    what = "table" if block.label.startswith("tbl-") else "figure"
    shown = _count(outputs, what)
    for number, line in block.subrefs:
        if number > shown:
            warnings.append(BuildWarning(
                source, line, f"@{block.label}-{number} refers to {what} {number} of the block "
                f"on line {block.line}, which showed {shown}"))


def _count(outputs: list[CellOutput], what: str) -> int:
    """How many figures (images) or tables the block showed."""
    return sum(o.image is not None if what == "figure" else
               o.kind == "html" and "<table" in o.text for o in outputs)


def _publish_written(meta: PostMeta, body: ParsedBody,
                     entries: dict[tuple[str, int], dict[str, Any]], cache: FigureCache,
                     stage: FigureStage, folder: str, claimed: dict[str, int]) -> None:
    """Files the post's blocks wrote that the post refers to (in its text or in what its
    blocks showed), beside its page; the last block to write a file wins, as on disk."""
    results = stage.results[meta.source]
    shown = "\n".join(o.text for r in results.values() for o in r.outputs if o.kind == "html")
    wanted = set(body.references) | set(local_references(shown))
    latest: dict[str, tuple[str, int]] = {}
    for block in body.blocks:
        entry = entries.get((meta.source, block.index))
        for item in entry.get("files", []) if entry else []:
            if item["file"] in wanted:
                latest[item["file"]] = (item["digest"], block.index)
    for name, (digest, index) in sorted(latest.items()):
        if name in claimed:
            stage.errors.append(BuildError(
                f"the file '{name}' a block wrote is also the name of a figure of the block on "
                f"line {claimed[name]}", meta.source, body.blocks[index].line,
                hint="write it under another name, or name the figure with '#| file:'"))
            continue
        result = results.get(index)
        if result is not None:
            results[index] = replace(result, files=(*result.files, name))
        stage.outputs.append(Output(folder + name, "file:" + digest,
                                    lambda d=digest, n=name: cache.read_image(d, n)))


def _cell_output(output: dict[str, Any], meta: PostMeta, line: int, asis: bool) -> CellOutput:
    """One output for the page. Under ``output: asis`` what the block printed is Markdown
    (Quarto's raw output: headings, tables, lists a block writes)."""
    from builder.markdown.fragment import render_fragment

    kind = output["type"]
    if kind == "stream" and asis and output["name"] == "stdout":
        return CellOutput("html", render_fragment(output["text"], meta.source, line))
    if kind == "stream":
        return CellOutput(output["name"], output["text"])
    if kind == "markdown":
        return CellOutput("html", render_fragment(output["text"], meta.source, line),
                          result=output.get("result", False))
    return CellOutput(kind, output["text"], result=output.get("result", False))
