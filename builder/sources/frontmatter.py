"""Split a post into YAML front matter and Markdown body, with file lines for every error.

Jekyll's front matter is YAML between ``---`` lines. PyYAML happily accepts duplicate keys
(the last one wins), which hides mistakes, so the loader here refuses them.
"""

from __future__ import annotations

from typing import Any

import yaml

from builder.errors import BuildError

_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_Loader):  # type: ignore[misc, valid-type]
    """A safe loader that refuses duplicate keys and remembers where keys stand: top-level
    keys by name, nested ones by dotted path (``execute.echo``, ``format.html.code-fold``)."""

    lenient = False  # a Jekyll site's: duplicates are kept, the last one counting

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.key_lines: dict[str, int] = {}
        self._paths: dict[int, str] = {}  # id of a nested mapping node -> its dotted path

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line
            if key in seen and not self.lenient:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key '{key}' (first given on line {{first}})",
                    key_node.start_mark,
                ) from _Duplicate(seen[key])
            seen[key] = line
            prefix = "" if node is self._root else self._paths.get(id(node))
            if prefix is not None and isinstance(key, str):
                name = prefix + key
                self.key_lines[name] = line
                if isinstance(value_node, yaml.MappingNode) and name.count(".") < 3:
                    self._paths[id(value_node)] = name + "."
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_timestamp(self, node: Any) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"bad date {node.value!r} ({exc})", node.start_mark
            ) from None

    def get_single_data(self) -> Any:
        self._root = self.get_single_node()
        return None if self._root is None else self.construct_document(self._root)


_StrictLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", _StrictLoader.construct_yaml_timestamp
)


class _Duplicate(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


class _LenientLoader(_StrictLoader):
    lenient = True


def split_front_matter(text: str, path: str, lenient: bool = False
                       ) -> tuple[dict[str, Any], dict[str, int], str, int]:
    """Return (front matter, file line of each key, body, file line where the body starts)."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return {}, {}, text, 1
    for end in range(1, len(lines)):
        if lines[end].rstrip() in ("---", "..."):
            break
    else:
        raise BuildError("front matter opened here is never closed with '---'", path, 1)
    yaml_text = "\n".join(lines[1:end])
    data, key_lines = load_yaml(yaml_text, path, first_line=2, what="front matter",
                                lenient=lenient)
    return data, key_lines, "\n".join(lines[end + 1 :]), end + 2


def load_yaml(
    yaml_text: str, path: str, first_line: int, what: str, lenient: bool = False
) -> tuple[dict[str, Any], dict[str, int]]:
    """Parse a YAML mapping that starts on ``first_line`` of ``path``; errors name file lines.
    ``lenient``: a repeated key is no error, the last one counts (as in Jekyll)."""
    loader = (_LenientLoader if lenient else _StrictLoader)(yaml_text)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        last_line = first_line + max(0, yaml_text.count("\n"))
        line = min(first_line + mark.line, last_line) if mark else first_line
        problem = exc.problem or "invalid YAML"
        cause = exc.__cause__
        if isinstance(cause, _Duplicate):
            problem = problem.replace("{first}", str(first_line + cause.line))
        raise BuildError(f"{what}: {problem}", path, line) from None
    except yaml.YAMLError as exc:
        raise BuildError(f"{what}: {exc}", path, first_line) from None
    finally:
        loader.dispose()
    if data is None:
        return {}, {}
    if not isinstance(data, dict):
        raise BuildError(
            f"{what} must be a mapping of keys to values, not a {type(data).__name__}",
            path,
            first_line,
        )
    return data, {key: first_line + line for key, line in loader.key_lines.items()}
