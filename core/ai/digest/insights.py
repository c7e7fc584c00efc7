"""Three strategic insights from the KPI snapshot, written by the model through the gateway,
and checked: an insight that quotes a number not in the input is rejected and replaced by a
templated one built from the figures themselves.

A quoted number is accepted when it is a rounding of some number in the input, at the
precision it is written with: "Rp 1,5 juta" stands for 1,450,000 up to 1,550,000, "12%" for
11.5 up to 12.5, "Rp 1.234.567" for exactly that. Indonesian and English forms are both
read ("1.234.567,89" and "1,234,567.89"; "juta", "jt", "miliar", "M", "million", "K" ...);
when a form is ambiguous ("1.234", "1,5 M") every reading is tried. Signs are ignored
("turun 12%" quotes 12 for a change of -12).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from core.ai.digest.kpis import LONG_DAYS, METRICS, MONEY_METRICS
from core.ai.types import AIDisabled, AIUnavailable, BudgetExceeded, MaskingFailed
from core.context import TenantContext
from core.errors import Forbidden

if TYPE_CHECKING:
    from core.ai.gateway import Gateway

COUNT = 3
LANGS = ("id", "en")
FEATURE = "digest"

# --- reading numbers ----------------------------------------------------------------------------

_NUMBER = re.compile(
    r"(?<![\d.,])(?P<num>\d{1,3}(?:[.,]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)"
    r"(?:\s?(?P<scale>triliun|trillion|miliar|milyar|billion|juta|million|ribu|thousand|jt|rb|bn|mn|[kKMBT])"
    r"(?![A-Za-z]))?(?:\s?%)?"
)
_SCALES: dict[str, tuple[int, ...]] = {
    "triliun": (12,), "trillion": (12,), "t": (12,),
    "miliar": (9,), "milyar": (9,), "billion": (9,), "bn": (9,), "b": (9,),
    "juta": (6,), "million": (6,), "jt": (6,), "mn": (6,),
    "m": (6, 9),  # English million, Indonesian miliar
    "ribu": (3,), "thousand": (3,), "rb": (3,), "k": (3,),
}


@dataclass(frozen=True)
class Quoted:
    raw: str
    readings: tuple[tuple[Decimal, Decimal], ...]  # (value, precision unit)


def _int_unit(digits: str) -> Decimal:
    """1000000 may be a rounding to the million: its trailing zeros give the precision."""
    zeros = len(digits) - len(digits.rstrip("0"))
    return Decimal(10) ** min(zeros, len(digits) - 1)


def _readings(s: str) -> list[tuple[Decimal, Decimal]]:
    dots, commas = s.count("."), s.count(",")
    if not dots and not commas:
        return [(Decimal(s), _int_unit(s))]
    if dots and commas:
        decimal = "." if s.rfind(".") > s.rfind(",") else ","
        whole, _, frac = s.replace("," if decimal == "." else ".", "").rpartition(decimal)
        if not whole or not frac or (decimal in whole):
            return []
        return [(Decimal(f"{whole}.{frac}"), Decimal(10) ** -len(frac))]
    sep = "." if dots else ","
    parts = s.split(sep)
    out = []
    if len(parts) == 2:
        out.append((Decimal(f"{parts[0]}.{parts[1]}"), Decimal(10) ** -len(parts[1])))
    if all(len(p) == 3 for p in parts[1:]):
        joined = "".join(parts)
        out.append((Decimal(joined), _int_unit(joined)))
    return out


def quoted_numbers(text: str) -> list[Quoted]:
    """Every number written in `text`, with each way it can be read."""
    out = []
    for match in _NUMBER.finditer(text):
        try:
            base = _readings(match.group("num"))
        except InvalidOperation:
            continue
        scale = match.group("scale")
        powers = _SCALES.get(scale.lower(), (0,)) if scale else (0,)
        readings = tuple((v * Decimal(10) ** p, u * Decimal(10) ** p) for v, u in base for p in powers)
        if readings:
            out.append(Quoted(match.group(0).strip(), readings))
    return out


def _leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def input_numbers(data: Any) -> set[Decimal]:
    """The numbers of the input: numeric values, and numbers written inside its texts."""
    out: set[Decimal] = set()
    for leaf in _leaves(data):
        if isinstance(leaf, bool) or leaf is None:
            continue
        if isinstance(leaf, int | float | Decimal):
            out.add(abs(Decimal(str(leaf))))
        elif isinstance(leaf, str):
            for quoted in quoted_numbers(leaf):
                out.update(abs(v) for v, _ in quoted.readings)
    return out


def unsupported(text: str, allowed: set[Decimal]) -> list[str]:
    """The numbers quoted in `text` that are no rounding of any allowed number."""
    bad = []
    for quoted in quoted_numbers(text):
        if not any(abs(x - v) <= u / 2 for v, u in quoted.readings for x in allowed):
            bad.append(quoted.raw)
    return bad


# --- formatting (templates and e-mails) -----------------------------------------------------------


def money(value: Any, lang: str) -> str:
    """Whole rupiah: Rp 1.234.567 (id), Rp 1,234,567 (en)."""
    amount = int(Decimal(str(value or 0)).quantize(Decimal(1), ROUND_HALF_UP))
    text = f"{abs(amount):,}"
    if lang == "id":
        text = text.replace(",", ".")
    return ("-" if amount < 0 else "") + f"Rp {text}"


def number(value: Any, lang: str) -> str:
    """A count or percentage with at most two decimals: 12,5 (id), 12.5 (en)."""
    amount = Decimal(str(value or 0)).quantize(Decimal("0.01"), ROUND_HALF_UP).normalize()
    text = f"{amount:,f}"
    if lang == "id":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def figure(metric: str, value: Any, lang: str) -> str:
    return money(value, lang) if metric in MONEY_METRICS else number(value, lang)


# --- the prompt -------------------------------------------------------------------------------------

LABELS: dict[str, dict[str, str]] = {
    "id": {"revenue": "pendapatan", "cash_in": "kas_masuk", "spending": "pengeluaran",
           "new_receivables": "piutang_baru", "new_invoices": "faktur_baru",
           "overdue_receivables": "piutang_jatuh_tempo", "pending_tasks": "tugas_tertunda",
           "overdue_tasks": "tugas_terlambat"},
    "en": {m: m for m in METRICS},
}
NAMES: dict[str, dict[str, str]] = {
    "id": {"revenue": "Pendapatan", "cash_in": "Kas masuk", "spending": "Pengeluaran",
           "new_receivables": "Piutang baru", "new_invoices": "Faktur baru",
           "overdue_receivables": "Piutang jatuh tempo", "pending_tasks": "Tugas tertunda",
           "overdue_tasks": "Tugas terlambat"},
    "en": {"revenue": "Revenue", "cash_in": "Cash in", "spending": "Spending",
           "new_receivables": "New receivables", "new_invoices": "New invoices",
           "overdue_receivables": "Overdue receivables", "pending_tasks": "Pending tasks",
           "overdue_tasks": "Overdue tasks"},
}
_FIELDS = {
    "id": {"value": "sekarang", "avg_28d": "rata_rata", "avg_7d": "rata_rata_7_hari",
           "change_28d_pct": "perubahan_persen", "anomaly": "anomali"},
    "en": {"value": "value", "avg_28d": "average", "avg_7d": "avg_7d", "change_28d_pct": "change_pct",
           "anomaly": "anomaly"},
}
_SPEND = {
    "id": {"name": "nama", "amount": "jumlah", "avg_28d": "rata_rata_28_hari", "share_pct": "porsi_persen"},
    "en": {"name": "name", "amount": "amount", "avg_28d": "avg_28d", "share_pct": "share_pct"},
}
_META = {
    "id": {"day": "tanggal", "currency": "mata_uang", "windows": "hari_rata_rata",
           "anomaly_threshold_pct": "ambang_anomali_persen", "anomalies": "daftar_anomali",
           "top_categories": "kategori_pengeluaran_teratas", "top_vendors": "vendor_teratas"},
    "en": {"day": "day", "currency": "currency", "windows": "days_in_averages",
           "anomaly_threshold_pct": "anomaly_threshold_pct", "anomalies": "anomalies",
           "top_categories": "top_spending_categories", "top_vendors": "top_vendors"},
}
SYSTEM = {
    "id": ("Bertindaklah sebagai analis bisnis untuk direksi. Rangkum data JSON berisi KPI kemarin ini menjadi "
           "tepat 3 poin wawasan strategis dalam Bahasa Indonesia, masing-masing satu atau dua kalimat. "
           "Rata-rata adalah rata-rata harian 28 hari sebelumnya (dan 7 hari untuk yang bertanda 7). Utamakan "
           "metrik yang ditandai anomali. Gunakan hanya angka yang ada di data dan jangan menghitung atau "
           "mengarang angka baru. Jawab hanya dengan JSON: {\"insights\": [\"...\", \"...\", \"...\"]}."),
    "en": ("Act as a business analyst for the executive team. Summarise this JSON of yesterday's KPIs into "
           "exactly 3 strategic insights in English, each one or two sentences. The averages are the daily "
           "average of the 28 days before (and of the 7 days before where marked 7). Put the metrics flagged "
           "as anomalies first. Use only the numbers that are in the data and do not compute or invent new "
           "ones. Answer with JSON only: {\"insights\": [\"...\", \"...\", \"...\"]}."),
}


def prompt_data(kpis: dict[str, Any], lang: str) -> dict[str, Any]:
    """The snapshot as the model reads it: keys in the language the insights are wanted in."""
    meta, fields, spend, labels = _META[lang], _FIELDS[lang], _SPEND[lang], LABELS[lang]
    windows = kpis.get("windows", {})
    out: dict[str, Any] = {
        meta["day"]: kpis["day"],
        meta["currency"]: kpis.get("currency", "IDR"),
        meta["windows"]: [windows.get("short_days"), windows.get("long_days")],
        meta["anomaly_threshold_pct"]: kpis.get("anomaly_threshold_pct"),
        meta["anomalies"]: [labels[m] for m in kpis.get("anomalies", [])],
    }
    for name, m in kpis["metrics"].items():
        if not (m.get("value") or m.get("avg_7d") or m.get("avg_28d")):
            continue  # nothing happened, then or before: nothing to say
        out[labels[name]] = {fields[k]: m[k] for k in ("value", "avg_28d", "avg_7d", "change_28d_pct", "anomaly")
                             if m.get(k) is not None}
    for key in ("top_categories", "top_vendors"):
        out[meta[key]] = [{spend[k]: item[k] for k in ("name", "amount", "avg_28d", "share_pct")
                           if item.get(k) is not None} for item in kpis.get(key, [])]
    return out


def messages(kpis: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    data = json.dumps(prompt_data(kpis, lang), ensure_ascii=False)
    return [("system", SYSTEM[lang]), ("user", data)]


def parse(text: str) -> list[str]:
    """The insights of an answer: {"insights": [...]} (strings or {"text"}), else its lines."""
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        try:
            data = json.loads(text[start:end + 1])
        except ValueError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("insights"), list):
            items = [i.get("text") if isinstance(i, dict) else i for i in data["insights"]]
            return [" ".join(i.split()) for i in items if isinstance(i, str) and i.strip()]
    lines = [line.strip().lstrip("-*•0123456789.) ").strip() for line in text.splitlines()]
    return [line for line in lines if line]


# --- templated insights -----------------------------------------------------------------------------

_T = {
    "id": {
        "vs": "{name} kemarin {value}, {word} {pct}% dari rata-rata {days} hari ({avg}).",
        "flat": "{name} kemarin {value}, sama dengan rata-rata {days} hari.",
        "new": "{name} kemarin {value}; belum ada pembanding {days} hari sebelumnya.",
        "up": "naik", "down": "turun",
        "top": "Pengeluaran terbesar kemarin: {name} sebesar {value} ({share}% dari total pengeluaran).",
        "quiet": "Tidak ada pendapatan, pengeluaran, atau tugas tertunda yang tercatat untuk {day}.",
    },
    "en": {
        "vs": "{name} yesterday was {value}, {word} {pct}% against the {days}-day average ({avg}).",
        "flat": "{name} yesterday was {value}, the same as the {days}-day average.",
        "new": "{name} yesterday was {value}; there is no {days}-day history to compare with yet.",
        "up": "up", "down": "down",
        "top": "The largest spending yesterday: {name} with {value} ({share}% of all spending).",
        "quiet": "No revenue, spending or pending tasks were recorded for {day}.",
    },
}


def _metric_text(name: str, m: dict[str, Any], lang: str) -> str:
    t = _T[lang]
    values = {"name": NAMES[lang][name], "value": figure(name, m["value"], lang), "days": LONG_DAYS}
    avg, change = m.get("avg_28d") or 0, m.get("change_28d_pct")
    if not avg or change is None:
        return t["new"].format(**values)
    if not change:
        return t["flat"].format(**values)
    word = t["up"] if change > 0 else t["down"]
    return t["vs"].format(**values, word=word, pct=number(abs(change), lang), avg=figure(name, avg, lang))


def templated(kpis: dict[str, Any], lang: str) -> list[str]:
    """Every templated insight, most telling first: anomalies, the largest spending, then the
    metrics that moved most against their average."""
    metrics: dict[str, dict[str, Any]] = kpis["metrics"]
    order = sorted(
        (name for name, m in metrics.items() if m.get("value") or m.get("avg_28d")),
        key=lambda n: (not metrics[n].get("anomaly"), -abs(metrics[n].get("change_28d_pct") or 0),
                       METRICS.index(n)),
    )
    out = [_metric_text(n, metrics[n], lang) for n in order if metrics[n].get("anomaly")]
    top = kpis.get("top_categories") or []
    if top:
        item = top[0]
        out.append(_T[lang]["top"].format(name=item["name"], value=money(item["amount"], lang),
                                          share=number(item.get("share_pct") or 0, lang)))
    out += [_metric_text(n, metrics[n], lang) for n in order if not metrics[n].get("anomaly")]
    if not out:
        out.append(_T[lang]["quiet"].format(day=kpis["day"]))
    return out


# --- writing them -----------------------------------------------------------------------------------


@dataclass
class Written:
    items: list[dict[str, Any]]
    engine: str
    model: str
    degraded: bool = False
    note: str | None = None  # why the model was not used
    rejected: int = 0
    usage_ids: list[int] = field(default_factory=list)


def checked(answer: list[str], kpis: dict[str, Any], lang: str) -> tuple[list[dict[str, Any]], int]:
    """Keep the model's insights that quote only input numbers; replace the others (and fill
    up to three) with templated ones."""
    allowed = input_numbers(kpis)
    spare = [t for t in templated(kpis, lang) if t not in answer]
    items: list[dict[str, Any]] = []
    rejected = 0
    for text in answer[:COUNT]:
        bad = unsupported(text, allowed)
        if not bad:
            items.append({"text": text, "source": "model"})
            continue
        rejected += 1
        if spare:
            items.append({"text": spare.pop(0), "source": "template", "rejected": text[:1000], "unsupported": bad})
    while len(items) < COUNT and spare:
        items.append({"text": spare.pop(0), "source": "template"})
    return items, rejected


def write(ctx: TenantContext, kpis: dict[str, Any], lang: str, gateway: Gateway | None = None) -> Written:
    """Ask the model (through the gateway: masked, metered, with its fallback) and check it."""
    from core.ai.gateway import default_gateway

    if not any(m.get("value") or m.get("avg_7d") or m.get("avg_28d") for m in kpis["metrics"].values()):
        # A day with no figures at all: a plain sentence, no model call.
        return Written([{"text": templated(kpis, lang)[0], "source": "template"}], "template", "template",
                       note="no_activity")
    gw = gateway or default_gateway()
    try:
        result = gw.chat(ctx, FEATURE, messages(kpis, lang), task="insights", json_output=True)
    except (AIDisabled, AIUnavailable, BudgetExceeded, MaskingFailed, Forbidden) as exc:
        items = [{"text": t, "source": "template"} for t in templated(kpis, lang)[:COUNT]]
        return Written(items, "template", "template", degraded=True, note=type(exc).__name__)
    items, rejected = checked(parse(result.text), kpis, lang)
    return Written(items, result.provider, result.model, result.degraded, result.degraded_reason, rejected,
                   [result.usage_id] if result.usage_id else [])
