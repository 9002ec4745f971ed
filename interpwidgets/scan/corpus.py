"""What a scan reads: documents, streamed one at a time, each with a stable id and name."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Files a directory contributes.
SUFFIXES = (".py", ".txt")


@dataclass(frozen=True)
class Document:
    """One document: its id (order in the corpus), its name, and its text or its path."""

    id: int
    name: str
    text: str | None = None
    path: str | None = None

    def read(self) -> str:
        if self.text is not None:
            return self.text
        assert self.path is not None  # a document holds its text or its path
        return read_text(Path(self.path))


def read_text(path: Path) -> str:
    """A file's text as UTF-8, or a ``ValueError`` naming the file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"corpus: cannot read {path} ({exc.strerror or exc})") from None
    if b"\x00" in data[:8192]:
        raise ValueError(f"corpus: {path} is not a text file (it holds NUL bytes)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"corpus: {path} is not valid UTF-8 (byte {exc.start}: {data[exc.start : exc.start + 1]!r}); "
            "decode it yourself (e.g. errors='replace') and pass the text"
        ) from None


def _is_pathlike(item: Any) -> bool:
    """A path object, or a str that names an existing file (one line, no text around it)."""
    if isinstance(item, os.PathLike):
        return True
    return (
        isinstance(item, str) and 0 < len(item) < 4096 and "\n" not in item and os.path.isfile(item)
    )


def documents(corpus: Any) -> tuple[Iterator[Document], int | None]:
    """``(documents, count)`` for every corpus shape :func:`interpwidgets.scan` accepts.

    A str item is a path when it is one line naming an existing file, else a document's text.

    ``count`` is ``None`` when the corpus is a one-shot iterator (its length is unknown).
    Nothing is read until a document is used; an iterator is consumed once, as it goes.
    """
    if isinstance(corpus, (str, bytes)) and not isinstance(corpus, os.PathLike):
        if isinstance(corpus, str) and "\n" not in corpus and Path(corpus).is_dir():
            return documents(Path(corpus))
        raise TypeError(
            "corpus: expected documents (a list of str, a dict name -> text, a list of paths or a "
            "directory), got a single str; wrap one text in a list: [text]"
        )
    if _is_pathlike(corpus):
        root = Path(corpus)
        if not root.exists():
            raise ValueError(f"corpus: {root} does not exist")
        if root.is_file():
            return documents([root])
        files = sorted(p for p in root.rglob("*") if p.suffix in SUFFIXES and p.is_file())
        if not files:
            raise ValueError(f"corpus: {root} holds no {' or '.join(SUFFIXES)} files")
        return _from_list([str(p.relative_to(root)) for p in files], files), len(files)
    if isinstance(corpus, Mapping):
        names = list(corpus)
        for name in names:
            if not isinstance(name, str):
                raise TypeError(f"corpus: expected str document names, got {name!r}")
        return _from_list(names, [corpus[n] for n in names]), len(names)
    if isinstance(corpus, (list, tuple)):
        names = [str(x) if _is_pathlike(x) else f"doc{i}" for i, x in enumerate(corpus)]
        return _from_list(names, list(corpus)), len(corpus)
    if isinstance(corpus, Iterable):
        return _from_iter(corpus), None
    raise TypeError(
        f"corpus: expected documents (a list of str, a dict name -> text, a list of paths or a "
        f"directory), got {type(corpus).__name__}"
    )


def _document(i: int, name: str, item: Any) -> Document:
    if _is_pathlike(item):
        if Path(item).is_dir():
            raise ValueError(
                f"corpus: item {i} ({item}) is a directory; pass the directory itself as corpus"
            )
        return Document(i, name, path=str(item))
    if isinstance(item, str):
        return Document(i, name, text=item)
    raise TypeError(
        f"corpus: expected each document as a str (text) or a path, got {type(item).__name__} at item {i}"
    )


def _from_list(names: list[str], items: list[Any]) -> Iterator[Document]:
    docs = [
        _document(i, name, item) for i, (name, item) in enumerate(zip(names, items, strict=True))
    ]
    return iter(docs)


def _from_iter(items: Iterable[Any]) -> Iterator[Document]:
    for i, item in enumerate(items):
        yield _document(i, str(item) if _is_pathlike(item) else f"doc{i}", item)
