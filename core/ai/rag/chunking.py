"""Pages into overlapping chunks (LangChain's recursive character splitter).

A chunk never spans two pages, so every chunk cites one page. The size fits the local
embedding model's window (all-MiniLM-L6-v2 reads 256 word pieces); the overlap keeps a
sentence that straddles a boundary whole in at least one chunk.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from core.ai.rag.extract import Page

CHUNK_CHARS = 800
OVERLAP_CHARS = 120
MIN_CHARS = 20

_splitter = RecursiveCharacterTextSplitter(
    chunk_size=CHUNK_CHARS, chunk_overlap=OVERLAP_CHARS,
    separators=["\n\n", "\n", ". ", "; ", ", ", " ", ""], keep_separator="end", strip_whitespace=True,
)


@dataclass(frozen=True)
class Chunk:
    page: int
    ordinal: int  # position in the document, from 0
    text: str


def split_page(text: str) -> list[str]:
    return [part for part in _splitter.split_text(text) if len(part.strip()) >= MIN_CHARS or part == text]


def chunk_pages(pages: Iterable[Page], first_ordinal: int = 0) -> Iterator[Chunk]:
    ordinal = first_ordinal
    for page in pages:
        if not page.text.strip():
            continue
        for part in split_page(page.text):
            if not part.strip():
                continue
            yield Chunk(page.number, ordinal, part)
            ordinal += 1
