"""Every repository file the docs, the README and the code's comments name exists, and every relative
link of the README and the docs points to a file: a doc that sends its reader to a file that is not
there fails here, not in the reader's hands.

What counts as a repository path: a word that starts with one of the repository's top-level folders
(`docs/`, `src/`, `tests/`, `bench/`, `requirements/`, `.ci/`) and is not part of a longer path, a URL
or an API address (`/api/v1/docs/…`, `https://…/tests/…` are not). It names a file when its last part
has a file extension (`docs/domain/workflow.md`), a folder when it ends with `/`; a glob
(`bench/results/*.json`) must match something; a last part with a dot but no known extension is a
module attribute (`tests/support.build_test_city`) and is not checked; a placeholder
(`bench/results/evaluate_<backend>.json`) stands for any text. Where they are looked for: the
whole text of README.md, CHANGELOG.md and every Markdown file under docs/; under src/, tests/ and
bench/, the comments and docstrings (bare string statements) of Python files, the comments of TOML files
and the text of Markdown files. Links: inline links and images, reference definitions and `src`/`href`
attributes, outside code, in README.md, CHANGELOG.md and docs/**/*.md.

Two exceptions, named below with their reasons: files that a run writes and the repository does not
keep (`GENERATED`), and a file whose paths are those of other repositories (`OTHER_REPOSITORIES`).
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterator
from fnmatch import fnmatch
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOP_FOLDERS = ("docs", "src", "tests", "bench", "requirements", ".ci")
EXTENSIONS = frozenset(
    {"py", "md", "toml", "json", "jsonl", "csv", "txt", "yml", "yaml", "png", "jpg", "jpeg", "svg"}
    | {"geojson", "html", "js", "css", "sh", "cfg", "ini", "xlsx", "mako"}
)
SKIPPED_PARTS = frozenset({"__pycache__", ".pytest_cache", ".ruff_cache", ".mypy_cache", ".hypothesis"})
# written by a bench run when asked for (py-spy stacks, cProfile dumps); named as what to pass on
GENERATED = ("bench/results/intake_pyspy_*.txt", "bench/results/*.pstats")
# the data's provenance: paths inside the upstream repositories the files were taken from
OTHER_REPOSITORIES = frozenset({"src/gridcity/data/SOURCES.md"})

# not preceded by what would make it part of a longer path, a URL, a module name or an API address
_PATH = re.compile(
    r"(?<![A-Za-z0-9_./\-~])((?:" + "|".join(map(re.escape, TOP_FOLDERS)) + r")/[A-Za-z0-9_.\-/*<>{}]*)"
)
_PLACEHOLDER = re.compile(r"<[^<>/]*>|\{[^{}/]*\}")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
_INLINE_LINK = re.compile(
    r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]"  # [text] or ![alt], one level of brackets inside
    r"\(\s*<?([^()\s<>]+)>?(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)"  # (target "title")
)
_REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)")
_ATTRIBUTE = re.compile(r"\b(?:src|href)=\"([^\"]+)\"")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


# --- where names are looked for -------------------------------------------------------------------


def markdown_files(root: Path) -> list[Path]:
    found = [root / name for name in ("README.md", "CHANGELOG.md") if (root / name).is_file()]
    return found + sorted((root / "docs").rglob("*.md"))


def source_files(root: Path) -> Iterator[Path]:
    for folder in ("src", "tests", "bench"):
        for path in sorted((root / folder).rglob("*")):
            relative = path.relative_to(root)
            if not path.is_file() or SKIPPED_PARTS & set(relative.parts):
                continue
            if any(part.endswith(".egg-info") for part in relative.parts):
                continue
            if relative.as_posix() in OTHER_REPOSITORIES:
                continue
            if relative.parts[:2] == ("tests", "data"):  # data files, not prose
                continue
            if path.suffix in (".py", ".toml", ".md"):
                yield path


def python_prose(text: str) -> Iterator[tuple[int, str]]:
    """(line, text) of every comment and every bare string statement (docstrings) of a module."""
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.COMMENT:
            yield token.start[0], token.string
    for node in ast.walk(ast.parse(text)):
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            yield node.lineno, node.value.value


def toml_comments(text: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        quoted = None
        for index, char in enumerate(line):
            if quoted:
                if char == quoted:
                    quoted = None
            elif char in "\"'":
                quoted = char
            elif char == "#":
                yield number, line[index:]
                break


def whole_text(text: str) -> Iterator[tuple[int, str]]:
    yield from enumerate(text.splitlines(), start=1)


def prose_of(path: Path) -> Iterator[tuple[int, str]]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".py":
        return python_prose(text)
    if path.suffix == ".toml":
        return toml_comments(text)
    return whole_text(text)


# --- what is checked ------------------------------------------------------------------------------


def named_paths(text: str) -> Iterator[str]:
    for match in _PATH.finditer(text):
        name = match.group(1).rstrip(".")
        if "<" in name or ">" in name or "{" in name or "}" in name:
            name = _PLACEHOLDER.sub("*", name)
            if any(c in name for c in "<>{}"):
                continue  # not a path after all (an unclosed bracket)
        yield name


def missing_target(root: Path, name: str) -> bool:
    """Does `name` (a repository path as written) name something that is not there?"""
    if any(fnmatch(name, pattern) for pattern in GENERATED):
        return False
    if "*" in name:
        return not any(root.glob(name))
    if name.endswith("/"):
        return not (root / name).is_dir()
    last = name.rsplit("/", 1)[-1]
    if "." in last:
        if last.rsplit(".", 1)[-1] not in EXTENSIONS:
            return False  # a module's attribute, not a file
        return not (root / name).is_file()
    return not (root / name).exists()


def named_but_missing(root: Path) -> list[str]:
    problems = []
    for path in [*markdown_files(root), *source_files(root)]:
        for line, text in prose_of(path):
            for name in named_paths(text):
                if missing_target(root, name):
                    where = path.relative_to(root).as_posix()
                    problems.append(f"{where}:{line}: names {name}, which does not exist")
    return problems


def outside_code(text: str) -> Iterator[tuple[int, str]]:
    """The lines of a Markdown text outside fenced code blocks, with their code spans blanked."""
    fence = None
    for number, line in enumerate(text.splitlines(), start=1):
        opened = _FENCE.match(line)
        if fence is not None:
            if opened and opened.group(1) == fence:
                fence = None
            continue
        if opened:
            fence = opened.group(1)
            continue
        yield number, _CODE_SPAN.sub(lambda m: " " * len(m.group(0)), line)


def link_targets(line: str) -> Iterator[str]:
    for pattern in (_INLINE_LINK, _REFERENCE, _ATTRIBUTE):
        for match in pattern.finditer(line):
            yield match.group(1)


def broken_links(root: Path) -> list[str]:
    problems = []
    for path in markdown_files(root):
        for line, text in outside_code(path.read_text(encoding="utf-8")):
            for target in link_targets(text):
                if _SCHEME.match(target) or target.startswith("#"):
                    continue  # a URL, mail, or an anchor of the same page
                file_part = unquote(re.split(r"[#?]", target, maxsplit=1)[0])
                base = root if file_part.startswith("/") else path.parent
                if not (base / file_part.lstrip("/")).exists():
                    where = path.relative_to(root).as_posix()
                    problems.append(f"{where}:{line}: links to {target}, which does not exist")
    return problems


# --- the tests ------------------------------------------------------------------------------------


def test_every_file_named_in_docs_and_comments_exists() -> None:
    missing = named_but_missing(ROOT)
    assert not missing, "\n".join(missing)


def test_every_relative_link_of_the_docs_resolves() -> None:
    broken = broken_links(ROOT)
    assert not broken, "\n".join(broken)


def test_the_docs_and_the_comments_are_read() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in markdown_files(ROOT)}
    assert {"README.md", "docs/index.md", "docs/domain/workflow.md"} <= names
    sources = {p.relative_to(ROOT).as_posix() for p in source_files(ROOT)}
    assert {"src/gridcity/domain/workflow.py", "src/gridcity/data/assessment/default.toml"} <= sources
    assert "tests/unit/test_docs_references.py" in sources


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    """A small repository: a few real files, and references to them and to files that are not there."""
    for name in ("docs/domain/workflow.md", "src/pkg/real.py", "bench/results/a.json", ".ci/run"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("# real\n", encoding="utf-8")
    (tmp_path / "README.md").write_text(
        "See [the workflow](docs/domain/workflow.md#states), [gone](docs/gone.md) and ![x](docs/x.png).\n"
        "Run `bash .ci/run`; results in `bench/results/*.json` and bench/results/<name>.json.\n"
        "The API: http://127.0.0.1:8000/docs and /api/v1/tests/run, https://example.org/src/nope.py.\n"
        "```\n[a link in code is not followed, but the name counts](docs/in-code.md)\n```\n"
        "Named but missing: `docs/missing.md`, src/pkg/missing.py.\n",
        encoding="utf-8",
    )
    (tmp_path / "src/pkg/code.py").write_text(
        '"""Rules: docs/domain/workflow.md §States; also docs/domain/clocks.md."""\n'
        "\n"
        "# see src/pkg/real.py and tests/support.build_city (an attribute, not a file)\n"
        'PATH = "docs/a-string-not-a-comment.md"\n',
        encoding="utf-8",
    )
    (tmp_path / "src/pkg/settings.toml").write_text(
        '# defaults: docs/domain/assessment.md\nname = "docs/in-a-value.md"  # and bench/gone/\n',
        encoding="utf-8",
    )
    return tmp_path


def test_a_missing_file_is_found_wherever_it_is_named(repository: Path) -> None:
    missing = named_but_missing(repository)
    assert missing == [
        "README.md:1: names docs/gone.md, which does not exist",
        "README.md:1: names docs/x.png, which does not exist",
        "README.md:5: names docs/in-code.md, which does not exist",
        "README.md:7: names docs/missing.md, which does not exist",
        "README.md:7: names src/pkg/missing.py, which does not exist",
        "src/pkg/code.py:1: names docs/domain/clocks.md, which does not exist",
        "src/pkg/settings.toml:1: names docs/domain/assessment.md, which does not exist",
        "src/pkg/settings.toml:2: names bench/gone/, which does not exist",
    ]


def test_a_broken_link_is_found(repository: Path) -> None:
    assert broken_links(repository) == [
        "README.md:1: links to docs/gone.md, which does not exist",
        "README.md:1: links to docs/x.png, which does not exist",
    ]
