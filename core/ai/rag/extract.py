"""What a file is (sniffed from its bytes, not its name) and its text, page by page.

PDF (pypdf), DOCX (python-docx: explicit and rendered page breaks count as pages), TXT
and Markdown (UTF-8, or Windows-1252; form feeds separate pages). Problems a person can
fix get a plain `ValidationFailed`: an empty file, a file too large, a kind that is not
accepted, an extension that does not match the content, a password-protected or damaged
PDF, a damaged DOCX, a binary file named .txt.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import filetype

from core.errors import ValidationFailed

MAX_BYTES = 25 * 1024 * 1024
MAX_PAGES = 2000
EXTENSIONS = {".pdf": "pdf", ".docx": "docx", ".txt": "txt", ".md": "md", ".markdown": "md"}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "txt": "text/plain",
    "md": "text/markdown",
}
_NAMES = {"pdf": "PDF", "docx": "Word (DOCX)", "txt": "text", "md": "Markdown", "text": "plain text",
          "image/png": "a PNG image", "image/jpeg": "a JPEG image", "application/zip": "a ZIP archive",
          "application/octet-stream": "binary data, not text"}

logging.getLogger("pypdf").setLevel(logging.ERROR)  # damaged files are reported to the person, not the log


@dataclass(frozen=True)
class Page:
    number: int  # 1-based
    text: str


def _bad(message: str, code: str) -> ValidationFailed:
    return ValidationFailed(message, details={"file": code})


def extension_kind(filename: str) -> str | None:
    name = filename.lower().strip()
    for ext, kind in EXTENSIONS.items():
        if name.endswith(ext):
            return kind
    return None


def sniff(data: bytes) -> str | None:
    """The kind the bytes say: pdf, docx, text (txt or md), or the MIME type of anything else."""
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    mime = filetype.guess_mime(data[:8192])
    if mime == CONTENT_TYPES["docx"]:
        return "docx"
    if mime is None and data[:4] == b"PK\x03\x04" and _zip_has(data, "word/document.xml"):
        return "docx"  # a DOCX whose first entry is not the one filetype looks for
    if mime is not None:
        return str(mime)
    return "text" if decode_text(data) is not None else "application/octet-stream"


def _zip_has(data: bytes, name: str) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return name in z.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def decode_text(data: bytes) -> str | None:
    """UTF-8 (with or without a BOM), else Windows-1252; None for binary content."""
    sample = data[:65536]
    if b"\x00" in sample:
        return None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for ch in text[:65536] if ord(ch) < 32 and ch not in "\n\r\t\f")
        return None if controls > 0.01 * max(1, len(text[:65536])) else text
    return None


def check(filename: str, data: bytes) -> str:
    """The document kind of an upload, or a plain error. Reads the whole structure of a
    PDF or DOCX (not its text), so damaged and password-protected files stop here."""
    if not data:
        raise _bad("the file is empty (0 bytes)", "empty")
    if len(data) > MAX_BYTES:
        raise _bad(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB", "too large")
    claimed = extension_kind(filename)
    if claimed is None:
        raise _bad("this kind of file is not accepted; upload PDF, DOCX, TXT or Markdown (.md)", "type")
    found = sniff(data)
    if found == "text":
        found = claimed if claimed in ("txt", "md") else "text"
    if found != claimed:
        what = _NAMES.get(found or "", f"of the type {found}")
        raise _bad(f"the file is named as {_NAMES[claimed]} but its content is {what}; "
                   "upload PDF, DOCX, TXT or Markdown with its real extension", "type mismatch")
    if claimed == "pdf":
        pdf_page_count(data)
    elif claimed == "docx":
        list(docx_pages(data))
    return claimed


# --- PDF ----------------------------------------------------------------------------------------


def _pdf_reader(data: bytes) -> Any:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                opened = bool(reader.decrypt(""))
            except (PyPdfError, NotImplementedError, ValueError):
                opened = False
            if not opened:
                raise _bad("the PDF is password-protected; remove the password and upload it again", "encrypted")
        reader.pages[0]
        return reader
    except ValidationFailed:
        raise
    except Exception:
        raise _bad("the PDF is damaged and cannot be read", "corrupt") from None


def pdf_page_count(data: bytes) -> int:
    reader = _pdf_reader(data)
    try:
        count = len(reader.pages)
    except Exception:
        raise _bad("the PDF is damaged and cannot be read", "corrupt") from None
    if count < 1:
        raise _bad("the PDF has no pages", "corrupt")
    if count > MAX_PAGES:
        raise _bad(f"the PDF has more than {MAX_PAGES} pages", "too large")
    return count


def pdf_pages(data: bytes, start: int = 1) -> Iterator[Page]:
    """The text of each page from page `start` on (1-based). A page whose content cannot be
    read counts as a page without text."""
    reader = _pdf_reader(data)
    for index in range(start - 1, len(reader.pages)):
        try:
            raw = reader.pages[index].extract_text() or ""
        except Exception:
            raw = ""
        yield Page(index + 1, clean(raw))


# --- DOCX ---------------------------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_pages(data: bytes) -> Iterator[Page]:
    """Paragraphs and tables in reading order; a page break (explicit, or where Word last
    rendered one) starts the next page."""
    try:
        import docx

        body = docx.Document(io.BytesIO(data)).element.body
    except Exception:
        raise _bad("the Word document is damaged and cannot be read", "corrupt") from None
    page, lines = 1, []
    for block in body.iterchildren():
        tag = block.tag
        if tag == f"{_W}p":
            current = ""
            for node in block.iter():
                if node.tag == f"{_W}lastRenderedPageBreak" or (
                        node.tag == f"{_W}br" and node.get(f"{_W}type") == "page"):
                    lines.append(current)
                    current = ""
                    if any(line.strip() for line in lines):
                        yield Page(page, clean("\n".join(lines)))
                        page, lines = page + 1, []
                elif node.tag == f"{_W}t" and node.text:
                    current += node.text
                elif node.tag == f"{_W}tab":
                    current += " "
            lines.append(current)
        elif tag == f"{_W}tbl":
            for row in block.iter(f"{_W}tr"):
                cells = ["".join(t.text or "" for t in cell.iter(f"{_W}t")) for cell in row.iter(f"{_W}tc")]
                lines.append(" | ".join(c for c in cells if c))
    if any(line.strip() for line in lines):
        yield Page(page, clean("\n".join(lines)))


# --- text and Markdown ----------------------------------------------------------------------------


def text_pages(data: bytes) -> Iterator[Page]:
    text = decode_text(data)
    if text is None:
        raise _bad("the file is not readable text", "type mismatch")
    for number, part in enumerate(text.split("\f"), start=1):
        yield Page(number, clean(part))


def pages(kind: str, data: bytes, start: int = 1) -> Iterator[Page]:
    if kind == "pdf":
        yield from pdf_pages(data, start)
        return
    source = docx_pages(data) if kind == "docx" else text_pages(data)
    for page in source:
        if page.number >= start:
            yield page


def page_count(kind: str, data: bytes) -> int:
    if kind == "pdf":
        return pdf_page_count(data)
    return sum(1 for _ in pages(kind, data))


_HYPHEN_BREAK = re.compile(r"(\w)-\n(\w)")
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANKS = re.compile(r"\n{3,}")


def clean(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _HYPHEN_BREAK.sub(r"\1\2", text)
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _BLANKS.sub("\n\n", text).strip()
