"""The plain data passed between the stages; nothing here does I/O.

Every stage takes these and returns these, so a stage can be tested, cached (as JSON) or
moved into a worker process without dragging the rest of the builder along.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from builder.errors import BuildWarning


@dataclass(frozen=True)
class PostMeta:
    """What front matter and file name say about a post: enough for listings and URLs."""

    source: str  # path relative to the project root, as shown in error messages
    slug: str
    title: str
    date: datetime
    updated: datetime | None
    tags: tuple[str, ...]
    draft: bool
    description: str
    url: str  # site-relative path, e.g. "2016/05/01/cnns/"
    layout: str
    use_math: bool
    body_line: int  # the file line on which the Markdown body starts (1-based)
    categories: tuple[str, ...] = ()  # a Jekyll post's (its tags include them too)
    dated: bool = True  # False for a page whose front matter gives no date
    toc_depth: int = 3  # the deepest heading level its contents list shows; 0: no list
    # what its citations cite from (project-relative files; none: '@' is plain text), their
    # style (see sources/bibliography_option.py) and the heading over its reference list
    bibliography: tuple[str, ...] = ()
    csl: str = ""
    references_title: str = ""
    nocite: str = ""  # entries listed though not cited (Pandoc's nocite: "@a, @b", "@*")
    nocite_line: int = 0
    # the picture its author chose for link previews (image:): a site path or an http(s)
    # address, and its alt text; "" when build-site draws the post's card
    image: str = ""
    image_alt: str = ""
    # figure options for every block: site.toml's, then the front matter's (execute: ...)
    figure_defaults: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    # numbering: number-sections, number-depth, number-offset, crossref: {...} (checked by
    # sources/crossref_option.py; only those the post gives)
    crossref: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def output_file(self) -> str:
        return self.url + "index.html" if self.url.endswith("/") or not self.url else self.url


@dataclass(frozen=True)
class FigureBlock:
    """One ```{python} fence of a post, with the file lines its code came from."""

    index: int
    line: int  # line of the opening fence in the post file
    code: str
    options: dict[str, Any]
    option_lines: dict[str, int] = field(default_factory=dict)
    code_html: str = ""  # the code, highlighted, for echo
    caption_html: str = ""  # fig-cap (tbl-cap) rendered as inline Markdown (math included)
    option_count: int | None = None  # how many '#|' lines (an option may span several)
    fenced_html: str = ""  # for 'echo: fenced': the fence and its options, with the code
    # inline code `{python} expr` in the prose: run with the blocks (in the same namespace,
    # in document order) and shown in the text; ``line`` is its line, ``code`` the expression
    inline: bool = False
    number: int | None = None  # its figure's or table's number (crossref.py), if labelled
    # fig-subcap (or tbl-subcap) rendered, or each caption of a list of fig-cap
    subcaptions_html: tuple[str, ...] = ()
    # (n, line) of each reference to its n-th sub-figure where their count is not yet known
    subrefs: tuple[tuple[int, int], ...] = ()
    # "Figure 1" (or "Fig. 1.ii": the post's crossref: options) before each of its figures'
    # captions, the delimiter after it, and how its sub-figures are lettered ("": a, b, c)
    caption_labels: tuple[str, ...] = ()
    title_delim: str = ":"
    subref_style: str | list[str] = ""
    # lst-label and lst-cap: the code shown as a listing, under "Listing 1: caption"
    listing_caption_html: str = ""

    @property
    def code_line(self) -> int:
        """First line of code (after the fence and the ``#|`` option lines)."""
        if self.inline:
            return self.line
        count = len(self.option_lines) if self.option_count is None else self.option_count
        return self.line + 1 + count

    @property
    def label(self) -> str:
        if self.inline:
            code = self.code if len(self.code) <= 40 else self.code[:39] + "…"
            return f"`{{python}} {code}`"
        return str(self.options.get("label", f"block-{self.index + 1}"))


class Heading(NamedTuple):
    """A tuple: a cached post's dozens of headings are made again on every build, and a
    tuple is made three times faster than a frozen dataclass."""

    level: int
    id: str
    text: str


@dataclass(frozen=True)
class ParsedBody:
    """A post body rendered to HTML, with a placeholder where each figure block's output goes."""

    html: str
    excerpt: str
    has_math: bool
    headings: tuple[Heading, ...]
    blocks: tuple[FigureBlock, ...]
    warnings: tuple[BuildWarning, ...] = ()  # what the post asks for that we build around
    # relative addresses the post's HTML refers to (``sine.gif``, ``data/x.csv``): files its
    # blocks write are published when the post refers to them (known for posts with blocks)
    references: tuple[str, ...] = ()
    # inline code `{python} expr`, numbered after the blocks (their indices follow the last
    # block's), each a placeholder in ``html`` until its value is known
    inline: tuple[FigureBlock, ...] = ()


@dataclass(frozen=True)
class StoredFile:
    """A file of the site kept in the figure cache under its content hash."""

    file: str
    digest: str


@dataclass(frozen=True)
class FigureImage:
    """One image file a figure block made (relative to the post's output folder), with the
    files made with it: an animation's frames for the page's player, and the figure drawn
    again for the dark scheme."""

    file: str
    width: int
    height: int
    frames: int
    digest: str
    figure: bool = True  # a matplotlib figure (else an image a displayed object made)
    player: StoredFile | None = None  # an animation as the player steps it (animated WebP)
    dark: FigureImage | None = None  # the rendering for the dark scheme

    def stored_files(self) -> tuple[StoredFile, ...]:
        """Every file this image publishes: itself, its player's, its dark rendering's."""
        own = (StoredFile(self.file, self.digest), *((self.player,) if self.player else ()))
        return own + (self.dark.stored_files() if self.dark else ())


@dataclass(frozen=True)
class CellOutput:
    """One output of a block, in the order Jupyter shows them.

    ``kind`` is ``stdout``, ``stderr``, ``warning`` (printed text), ``text`` (a value's plain
    repr), ``html`` (a value's HTML, or its Markdown or math already rendered), ``image`` or
    ``error`` (the traceback of a block declared ``error: true``)."""

    kind: str
    text: str = ""
    image: FigureImage | None = None
    result: bool = False  # the value of the block's last expression


@dataclass(frozen=True)
class FigureResult:
    """What a figure block showed: its outputs, in order, and the files it wrote that the
    post refers to (published beside the page)."""

    block: int
    outputs: tuple[CellOutput, ...] = ()
    files: tuple[str, ...] = ()

    @property
    def images(self) -> tuple[FigureImage, ...]:
        return tuple(o.image for o in self.outputs if o.image is not None)

    @property
    def has_math(self) -> bool:
        return any(o.kind == "html" and 'class="math' in o.text for o in self.outputs)


@dataclass(frozen=True)
class Post:
    meta: PostMeta
    body: ParsedBody
    figures: tuple[FigureResult, ...] = ()
