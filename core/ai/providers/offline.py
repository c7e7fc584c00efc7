"""The offline engine: deterministic, no network, no model weights.

It is the default when no provider key is configured and the fallback when a provider
fails, so every AI feature stays useful without a key:

- summarize: extractive summary (the most representative sentences, in their order);
- answer: the sentences of the given context that best match the question (IDF-weighted
  term overlap), or a plain "not found" when nothing matches well;
- insights: up to three templated observations from a JSON object of figures (current vs
  previous / average), quoting only numbers that are in the input;
- chat: answer when there is context and a question, otherwise summarize.

It reads masked text like any other provider, so placeholders pass through and are
restored by the gateway.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

from core.ai.types import OFFLINE_LABEL, Message, ProviderReply

MODEL = "offline-extractive-v1"

_TOKEN = re.compile(r"\w+|[^\w\s]")
_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*|\[REDACTED_[A-Z]+_\d+\]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[A-Z0-9])|\n+")
_ID_WORDS = frozenset({
    "yang", "dan", "di", "ini", "itu", "untuk", "dengan", "tidak", "dari", "ke", "pada", "adalah", "akan",
    "bisa", "kami", "kita", "saya", "apa", "berapa", "siapa", "kapan", "bagaimana", "mengapa", "sudah",
    "belum", "atau", "juga",
})
_EN_WORDS = frozenset({
    "the", "and", "is", "are", "of", "to", "with", "not", "from", "on", "at", "be", "will", "can", "we",
    "you", "what", "how", "who", "when", "why", "which", "has", "have", "was", "were", "this", "that",
})
_STOP = _ID_WORDS | _EN_WORDS | frozenset({
    "a", "an", "in", "it", "its", "as", "by", "for", "or", "if", "so", "do", "does", "did", "i"})
_COMPARE = (("previous", "prev", "last", "sebelumnya", "lalu"), ("avg", "average", "trailing_avg",
                                                                 "trailing_average", "rata_rata", "mean"))


def count_tokens(text: str) -> int:
    """Word pieces and punctuation: a deterministic token count for local engines."""
    return len(_TOKEN.findall(text))


def language(text: str) -> str:
    words = [w.lower() for w in _WORD.findall(text[:4000])]
    id_score = sum(w in _ID_WORDS for w in words)
    en_score = sum(w in _EN_WORDS for w in words)
    return "en" if en_score > id_score else "id"


def sentences(text: str) -> list[str]:
    out = []
    for part in _SENTENCE_END.split(text):
        part = part.strip(" \t-•*")
        if len(part) > 1:
            out.append(part)
    return out


def _terms(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text) if w.lower() not in _STOP and len(w) > 1]


def summarize(text: str, max_sentences: int = 3) -> list[str]:
    """The sentences whose words are most frequent in the text, kept in reading order."""
    candidates = sentences(text)
    if len(candidates) <= max_sentences:
        return candidates
    freq = Counter(_terms(text))
    if not freq:
        return candidates[:max_sentences]
    top = max(freq.values())
    scored = []
    for i, sentence in enumerate(candidates):
        terms = _terms(sentence)
        if not terms:
            continue
        score = sum(freq[t] / top for t in terms) / math.sqrt(len(terms))
        score *= 1.0 + 0.25 / (1 + i)  # a slight lead bias: openings often say what matters
        scored.append((score, i))
    best = sorted(sorted(scored, reverse=True)[:max_sentences], key=lambda p: p[1])
    return [candidates[i] for _, i in best]


def answer(question: str, context: str, max_sentences: int = 3) -> list[str]:
    """The context sentences that best match the question; empty when the match is weak."""
    q_terms = set(_terms(question))
    pool = sentences(context)
    if not q_terms or not pool:
        return []
    docs = [set(_terms(s)) for s in pool]
    n = len(docs)
    idf = {t: math.log(1 + n / (1 + sum(t in d for d in docs))) for t in q_terms}
    total = sum(idf.values()) or 1.0
    scored = []
    for i, terms in enumerate(docs):
        hit = sum(idf[t] for t in q_terms if t in terms or any(x.startswith(t) or t.startswith(x)
                                                               for x in terms if len(x) > 3 and len(t) > 3))
        if hit:
            scored.append((hit / total, i))
    scored.sort(reverse=True)
    if not scored or scored[0][0] < 0.34:
        return []
    keep = [i for score, i in scored[:max_sentences] if score >= scored[0][0] * 0.5]
    return [pool[i] for i in sorted(keep)]


# --- insights from figures ------------------------------------------------------------------


def _json_in(text: str) -> Any:
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        return None
    try:
        return json.loads(text[start:end + 1])
    except ValueError:
        return None


def _leaves(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, str(key)))
    elif isinstance(value, list):
        for i, item in enumerate(value[:20]):
            yield from _leaves(item, (*path, str(i)))
    else:
        yield path, value


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _show(value: Any, lang: str = "en") -> str:
    """A number as people read it (2.220.000 / 1.964,29 in Indonesian, 2,220,000 / 1,964.29 in
    English; at most two decimals); anything else as JSON."""
    if not _number(value):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float):
        value = round(value, 2)
        text = f"{int(value):,}" if value.is_integer() else f"{value:,.2f}".rstrip("0")
    else:
        text = f"{value:,}"
    return text.translate(_ID_SEPARATORS) if lang == "id" else text


_ID_SEPARATORS = str.maketrans({",": ".", ".": ","})


def _label(path: tuple[str, ...]) -> str:
    return " / ".join(p.replace("_", " ") for p in path if not p.isdigit()) or "value"


def _base_of(path: tuple[str, ...], numbers: dict[tuple[str, ...], Any]) -> tuple[str, Any] | None:
    """A comparison value for `path`: revenue_prev, prev_revenue, previous.revenue, revenue.previous ..."""
    *head, last = path
    for kind, words in zip(("previous", "average"), _COMPARE, strict=True):
        for word in words:
            for other in ((*head, f"{last}_{word}"), (*head, f"{word}_{last}"), (word, *path),
                          (*path[:-1], word) if last in _CURRENT else ()):
                if other and other != path and other in numbers:
                    return kind, numbers[other]
    return None


_CURRENT = ("current", "now", "value", "sekarang")


def _is_reference(path: tuple[str, ...]) -> bool:
    """revenue_prev, prev_revenue, previous.revenue, revenue.avg: a value to compare against."""
    last = path[-1]
    for words in _COMPARE:
        for word in words:
            if last == word or last.endswith("_" + word) or last.startswith(word + "_"):
                return True
            if len(path) > 1 and path[0] == word:
                return True
    return False


def insights(data: Any, lang: str, limit: int = 3) -> list[str]:
    numbers = {path: v for path, v in _leaves(data) if _number(v)}
    texts = {path: v for path, v in _leaves(data) if isinstance(v, str) and v.strip()}
    compared = []
    for path, value in numbers.items():
        if _is_reference(path):
            continue
        base = _base_of(path, numbers)
        if base is None:
            continue
        kind, ref = base
        change = 0.0 if ref == value else (abs(value - ref) / abs(ref) if ref else float("inf"))
        compared.append((change, path, value, kind, ref))
    out: list[str] = []
    used: set[tuple[str, ...]] = set()
    for _, path, value, kind, ref in sorted(compared, key=lambda c: (-c[0], c[1]))[:limit]:
        used.add(path)
        label = _label(path[:-1] if path[-1] in _CURRENT and len(path) > 1 else path)
        if lang == "id":
            word = "naik" if value > ref else ("turun" if value < ref else "tetap")
            against = "periode sebelumnya" if kind == "previous" else "rata-rata"
            shown, compared_with = _show(value, lang), _show(ref, lang)
            out.append(f"{label.capitalize()} {word}: {shown} dibandingkan {compared_with} ({against}).")
        else:
            word = "up" if value > ref else ("down" if value < ref else "unchanged")
            against = "the previous period" if kind == "previous" else "the average"
            out.append(f"{label.capitalize()} is {word}: {_show(value, lang)} against {_show(ref, lang)} ({against}).")
    rest = sorted(((abs(v), p, v) for p, v in numbers.items() if p not in used and not _is_reference(p)),
                  key=lambda r: (-r[0], r[1]))
    for _, path, value in rest[:max(0, limit - len(out))]:
        head = path[:-1]
        name = next((texts[(*head, key)] for key in ("name", "nama", "category", "kategori", "title")
                     if (*head, key) in texts), None)
        label = _label(path) + (f" ({name})" if name else "")
        out.append(f"{label.capitalize()}: {_show(value, lang)}.")
    return out


# --- the engine ---------------------------------------------------------------------------------


class OfflineEngine:
    name = "offline"
    model = MODEL
    remote = False
    label = OFFLINE_LABEL

    def prepare(self, *, max_output_tokens: int | None = None, json_output: bool = False) -> None:
        return None

    def chat(self, messages: Sequence[Message], *, task: str = "chat", max_output_tokens: int | None = None,
             json_output: bool = False, timeout: float | None = None) -> ProviderReply:
        users = [m.content for m in messages if m.role == "user"]
        question = users[-1] if users else ""
        context = "\n".join(m.content for m in messages[:-1] if m.role != "assistant" and m.content != question)
        lang = language(question + "\n" + context)
        text = self._run(task, question, context, lang, json_output)
        if max_output_tokens:
            tokens = _TOKEN.findall(text)
            if len(tokens) > max_output_tokens:
                text = " ".join(tokens[:max_output_tokens])
        prompt = "\n".join(m.content for m in messages)
        return ProviderReply(text, count_tokens(prompt), count_tokens(text))

    def _run(self, task: str, question: str, context: str, lang: str, json_output: bool) -> str:
        if task == "insights":
            found = insights(_json_in(question) or _json_in(context) or {}, lang)
            if json_output:
                return json.dumps({"insights": found}, ensure_ascii=False)
            return "\n".join(f"- {line}" for line in found) or self._nothing(lang)
        if task == "answer" or (task == "chat" and context.strip()):
            found = answer(question, context)
            text = " ".join(found) if found else self._not_found(lang)
        else:
            found = summarize(question if task == "summarize" or not context else context)
            text = "\n".join(f"- {line}" for line in found) if len(found) > 1 else " ".join(found)
            text = text or self._nothing(lang)
        return json.dumps({"text": text}, ensure_ascii=False) if json_output else text

    @staticmethod
    def _not_found(lang: str) -> str:
        return ("Tidak ditemukan dalam dokumen yang tersedia." if lang == "id"
                else "Not found in the available documents.")

    @staticmethod
    def _nothing(lang: str) -> str:
        return "Tidak ada yang bisa diringkas." if lang == "id" else "There is nothing to summarise."
