"""PII masking: find personal data, replace it with numbered placeholders, restore it later.

Every model call is masked first (core.ai.gateway). What is found:

- NIK: 16 digits PPRRSSDDMMYYXXXX. PPRR must be a province + regency/city of the shipped
  region table (data/id_regions.csv), SS a sub-district (not 00), DDMMYY a real birth
  date (women: day + 40; 29 February only in years divisible by four), XXXX not 0000.
- NPWP, old 15 digits `ST.sss.sss.C-OOO.BBB`: C is a Luhn (mod 10) check digit over the
  first nine digits. DJP publishes no algorithm; Luhn over digits 1-9 is what the
  validators in common use (python-stdnum, Perl Business::ID::NPWP) apply and it holds
  for every published example, so we apply it too: a wrong check digit is not an NPWP.
- NPWP, new 16 digits (since 2024): a NIK for individuals (told apart by the word NPWP
  nearby), or `0` + the old 15 digits (Luhn over the first ten).
- Indonesian phone numbers: +62 / 62 / 0 prefixes, mobiles (8xx) and land lines (area
  code 2x-9x), with spaces, dots, dashes or parentheses.
- Email addresses.
- Card numbers: 13-19 digits, a known issuer prefix, and a valid Luhn checksum.
- Bank account numbers: 8-18 digits near a context word (rekening, account, BCA,
  Mandiri, BNI, BRI, ...).
- Person names only when a NER hook is installed (`Masker(ner=...)`); none by default.

Decoys stay as they are: invoice numbers (INV/2026/11/0001), rupiah amounts
(Rp 1.234.567), dates, times, product codes (SKU-88123-XL) and short numbers.

Placeholders are numbered per kind (`[REDACTED_PHONE_1]`) in a per-request `Vault`; the
same value gets the same placeholder within a request, and `Vault.restore` puts the
original values back into the model's answer. Only counts per kind ever leave a request.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

NIK = "NIK"
NPWP = "NPWP"
PHONE = "PHONE"
EMAIL = "EMAIL"
CARD = "CARD"
ACCOUNT = "ACCOUNT"
PERSON = "PERSON"
KINDS = (NIK, NPWP, PHONE, EMAIL, CARD, ACCOUNT, PERSON)

REGIONS_FILE = Path(__file__).resolve().parent / "data" / "id_regions.csv"

NameDetector = Callable[[str], Iterable[tuple[int, int]]]


class MaskingError(RuntimeError):
    """Masking could not be completed; the caller must not send the text anywhere."""


class Entity(NamedTuple):
    kind: str
    start: int
    end: int
    value: str


# --- the region table -------------------------------------------------------------------


@lru_cache(maxsize=1)
def regions() -> frozenset[str]:
    """The four-digit province + regency/city codes (e.g. '3171' Jakarta Selatan)."""
    codes: set[str] = set()
    with REGIONS_FILE.open(encoding="utf-8") as handle:
        rows = csv.reader(line for line in handle if not line.startswith("#"))
        next(rows)  # header
        for row in rows:
            if row:
                codes.add(row[0])
    if not codes:
        raise MaskingError(f"the region table {REGIONS_FILE} is empty")
    return frozenset(codes)


@lru_cache(maxsize=1)
def provinces() -> frozenset[str]:
    return frozenset(code[:2] for code in regions())


# --- validators ---------------------------------------------------------------------------

_DAYS = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
# Every valid DDMM of a NIK (women's days + 40), so that a date needs one set look-up.
_BIRTH_DAYS = frozenset(
    f"{day + offset:02d}{month:02d}"
    for month in range(1, 13)
    for day in range(1, _DAYS[month] + 1)
    for offset in (0, 40)
)
_LEAP_DAYS = ("2902", "6902")

# Luhn on bytes, in C: an ASCII digit's value is its code - 48, and translate maps each digit
# of the doubled positions to the digit sum of its double (7 -> 14 -> 5) as an ASCII digit.
_LUHN_DOUBLED = bytes.maketrans(b"0123456789", b"0246813579")


def luhn_ok(digits: str) -> bool:
    data = digits.encode("ascii")
    if data and not data.isdigit():
        raise ValueError("luhn_ok takes a string of digits")
    total = sum(data[-1::-2]) + sum(data[-2::-2].translate(_LUHN_DOUBLED)) - 48 * len(data)
    return total % 10 == 0


def nik_ok(digits: str) -> bool:
    """A 16-digit NIK: known region, sub-district, real birth date, serial."""
    if len(digits) != 16 or not digits.isdigit():
        return False
    if digits[:4] not in regions() or digits[4:6] == "00" or digits[12:] == "0000":
        return False
    day_month = digits[6:10]
    if day_month not in _BIRTH_DAYS:
        return False
    return day_month not in _LEAP_DAYS or int(digits[10:12]) % 4 == 0


def npwp15_ok(digits: str) -> bool:
    return len(digits) == 15 and digits.isdigit() and digits[2:8] != "000000" and luhn_ok(digits[:9])


def npwp16_ok(digits: str) -> bool:
    """The 16-digit NPWP of a company: `0` + the old 15 digits (individuals use their NIK)."""
    return len(digits) == 16 and digits[0] == "0" and npwp15_ok(digits[1:])


def card_ok(digits: str) -> bool:
    """A known issuer prefix for the length, and a valid Luhn checksum."""
    n = len(digits)
    if not 13 <= n <= 19:
        return False
    four = int(digits[:4])
    two, three = four // 100, four // 10
    if digits[0] == "4":
        issuer = n in (13, 16, 19)  # Visa
    elif 51 <= two <= 55 or 2221 <= four <= 2720:
        issuer = n == 16  # Mastercard
    elif two in (34, 37):
        issuer = n == 15  # American Express
    elif 3528 <= four <= 3589:
        issuer = 16 <= n <= 19  # JCB
    elif two in (36, 38, 39) or 300 <= three <= 305:
        issuer = 14 <= n <= 19  # Diners Club
    elif digits.startswith(("6011", "65", "62")) or 644 <= three <= 649:
        issuer = 16 <= n <= 19  # Discover, UnionPay
    else:
        issuer = False
    return issuer and luhn_ok(digits)


def phone_ok(raw: str, digits: str) -> bool:
    """An Indonesian number: +62 / 62 (mobiles only) / 0, then a mobile or a land line."""
    stripped = raw.lstrip()
    if stripped.startswith("+"):
        if not digits.startswith("62"):
            return False
        nsn = digits[2:]
    elif digits.startswith("62") and not stripped.startswith("("):
        nsn = digits[2:]
        if not nsn.startswith("8"):
            return False
    elif digits.startswith("0"):
        nsn = digits[1:]
    else:
        return False
    if nsn.startswith("0"):  # +62 (0)21 ...
        nsn = nsn[1:]
    if not nsn:
        return False
    if nsn[0] == "8":
        return 9 <= len(nsn) <= 12
    if nsn[0] in "2345679":
        return 8 <= len(nsn) <= 10
    return False


# --- candidates and context words -----------------------------------------------------------
#
# The candidates are an email's "@domain" (its local part is taken by walking left from
# the "@"), and runs of digits with single separators (space, dot, dash, parentheses)
# holding at least eight digits; both are taken in the order they start, as one scan
# would find them. Candidates glued to a word, a path or another number (INV/2026/11/0001,
# SKU-88123456, Rp1.234.567) are dropped, and so are rupiah amounts and dates; the rest are
# classified by structure and checksums, with the nearest context word before them (within
# HINT_WINDOW characters) as a hint.

# ASCII classes on purpose: [0-9] is much faster for the regex engine than \\d (a Unicode
# category test), and the numbers that matter here are written in ASCII digits.
_EMAIL_DOMAIN = r"@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,24}(?![A-Za-z0-9_\-])"
_NUMBER = (
    r"[0-9+(]"
    r"(?<![A-Za-z0-9_@#/\\.,:+\-].)"  # not glued to a word, a path, a "#" or another number
    # The cheap rejections first: most digits fail one of these before the eight-digit count.
    r"(?=[0-9 ().\-]{7})"  # the next seven characters could be part of a number
    r"(?!(?<=[1-9])[0-9]{0,2}(?:\.[0-9]{3}){2,}(?![0-9]|[.\-][0-9]))"  # not a rupiah amount: 1.234.567
    r"(?![0-9]{3}[-.][0-9][0-9]?[-.][0-9][0-9]?(?![0-9]))"  # not a date: 2026-11-21
    r"(?![0-9]?[-.][0-9][0-9]?[-.][0-9]{4}(?![0-9]))"  # nor 21-11-2026
    # At least eight digits, written out: a counted group ((?:...){7}) is much slower here.
    + r"(?=" + r"[ ().\-]{0,2}+[0-9]" * 7 + r")"
    + r"[0-9().\-]*(?: (?=[0-9(])[0-9().\-]*)*[0-9]\)?"  # single spaces only, each before a digit or "("
    r"(?![A-Za-z0-9_@]|[.,/:\-][0-9])"
)
# Numbers and emails are looked for apart: an alternation costs a branch at every digit,
# and an email needs an "@", which str.find finds much faster than a regex scan.
_EMAILS = re.compile(_EMAIL_DOMAIN)
_NUMBERS = re.compile(_NUMBER)
_LOCAL_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-"
_LOCAL_CHUNK = 64  # the longest local part the standard allows; longer runs take more chunks
_AMOUNT = re.compile(r"[1-9]\d{0,2}(?:\.\d{3})+")
_DATE = re.compile(r"\d{4}[-.]\d{1,2}[-.]\d{1,2}|\d{1,2}[-.]\d{1,2}[-.]\d{2,4}")
_NPWP_FORMAT = re.compile(r"[0-9]{2}\.[0-9]{3}\.[0-9]{3}\.[0-9][-.][0-9]{3}\.[0-9]{3}")
_CARD_FORMAT = re.compile(r"[0-9]{16}|[0-9]{4}([ -])[0-9]{4}\1[0-9]{4}\1[0-9]{4}")
_AREA_CODE = re.compile(r"\(\+?[0-9]{1,4}\)")

_HINT_WORDS: dict[str, str] = {
    **dict.fromkeys(("nik", "ktp", "e-ktp", "induk"), "nik"),
    "npwp": "npwp",
    **dict.fromkeys((
        "rekening", "rek", "no.rek", "norek", "account", "acct", "a/c", "bank", "va", "bca", "mandiri", "bni", "bri",
        "bsi", "cimb", "niaga", "danamon", "permata", "btn", "ocbc", "maybank", "panin", "jago", "seabank", "mega",
        "bukopin", "sinarmas"), "account"),
    **dict.fromkeys(("kartu", "kredit", "debit", "card", "visa", "mastercard", "amex", "jcb", "cc"), "card"),
    # Reference words: the number after them is an order, invoice or tracking number.
    **dict.fromkeys(("ref", "order", "invoice", "faktur", "kode", "sku", "resi", "po", "so"), "ref"),
    **dict.fromkeys(("telp", "telepon", "tlp", "hp", "handphone", "ponsel", "wa", "whatsapp", "phone", "tel",
                     "mobile", "hubungi", "fax", "kontak", "sms", "hp/wa", "telp/wa"), "phone"),
}
HINT_WINDOW = 48
_HINT_STRIP = ".,:;()[]#*\"'!?=|"


def _token_kind(token: str) -> str | None:
    """The kind a lower-case token names: as it is, without punctuation around it, or by one of its parts."""
    kind = _HINT_WORDS.get(token)
    if kind is not None or token.isalpha():
        return kind
    stripped = token.strip(_HINT_STRIP)
    kind = _HINT_WORDS.get(stripped)
    if kind is not None:
        return kind
    # "hp/wa", "no.rek", "rekening/account". A "." in the stripped-off punctuation ("no.")
    # only splits off parts that strip to nothing, so it needs no look.
    if "/" in stripped or "." in stripped:
        for part in reversed(token.replace("/", ".").split(".")):
            kind = _HINT_WORDS.get(part.strip(_HINT_STRIP))
            if kind is not None:
                return kind
    return None


# The context words as they are usually written ("NPWP:", "(BCA)", "rek."), so that most
# tokens are settled by one dictionary look-up; derived with _token_kind, hence consistent.
_HINT_FORMS: dict[str, str] = {
    form: kind
    for word in _HINT_WORDS
    for form in (word, f"{word}:", f"{word}.", f"{word},", f"{word};", f"({word})", f"({word}", f"{word})",
                 f"{word}.:", f"{word}):", f"{word}),", f"{word}).")
    if (kind := _token_kind(form)) is not None
}


def _hint(text: str, start: int) -> str | None:
    """The kind named by the context word nearest before `start`, if any."""
    window = text[start - HINT_WINDOW if start > HINT_WINDOW else 0:start].lower()
    get = _HINT_FORMS.get
    for token in reversed(window.split()):
        kind = get(token)
        if kind is not None:
            return kind
        if not token.isalpha():
            kind = _token_kind(token)
            if kind is not None:
                return kind
    return None


def _classify(raw: str, digits: str, hint: str | None) -> str | None:
    n = len(digits)
    first = raw[0]
    if hint == "account" and 8 <= n <= 18 and first != "+":
        if n == 16 and nik_ok(digits):
            return NIK
        if n == 16 and card_ok(digits) and _CARD_FORMAT.fullmatch(raw):  # "kartu kredit BCA 4111 1111 ..."
            return CARD
        return ACCOUNT
    if hint == "npwp" and (npwp15_ok(digits) or npwp16_ok(digits) or nik_ok(digits)):
        return NPWP
    if hint == "card" and card_ok(digits):
        return CARD
    if hint == "phone" and phone_ok(raw, digits):
        return PHONE
    if n == 15 and _NPWP_FORMAT.fullmatch(raw) and npwp15_ok(digits):
        return NPWP
    if (first in "+(" or (n <= 14 and digits.startswith("628"))) and phone_ok(raw, digits):
        return PHONE
    if n == 16:
        if nik_ok(digits):
            return NIK
        if card_ok(digits):
            return CARD
        if npwp16_ok(digits):
            return NPWP
    elif n == 15:
        if card_ok(digits):
            return CARD
        if npwp15_ok(digits):
            return NPWP
    if phone_ok(raw, digits):
        return PHONE
    if card_ok(digits):
        return CARD
    return None


def _digits(raw: str) -> str:
    """The digits of a candidate, which holds only digits, spaces, "+", ".", "-" and parentheses."""
    return raw.replace(" ", "").replace("-", "").replace(".", "").replace("(", "").replace(")", "").replace("+", "")


# NamedTuple's own __new__ is a Python function; tuple.__new__ builds the same Entity faster.
_new_tuple = tuple.__new__


def _side_by_side(text: str, raw: str, start: int, found: list[Entity]) -> None:
    """Several numbers in one run ("3171011708450001 081234567890"): try runs of its groups."""
    groups = [(m.start(), m.group()) for m in re.finditer(r"\S+", raw)]
    i = 0
    while i < len(groups):
        for j in range(len(groups) - 1, i - 1, -1):
            if j - i + 1 == len(groups):
                continue
            first, last = groups[i][0], groups[j][0] + len(groups[j][1])
            part = raw[first:last].strip("()")
            offset = first + raw[first:last].index(part)
            part_digits = _digits(part)
            if len(part_digits) < 8 or _AMOUNT.fullmatch(part) or _DATE.fullmatch(part):
                continue
            kind = _classify(part, part_digits, _hint(text, start + offset))
            if kind is not None:
                found.append(Entity(kind, start + offset, start + offset + len(part), part))
                i = j
                break
        i += 1


def _email_domains(text: str) -> list[tuple[int, int]]:
    """The (start, end) spans of the "@domain" parts of emails, last first.

    Looked for only where an "@" is: a domain holds no "@", so the matches cannot overlap.
    """
    spans: list[tuple[int, int]] = []
    at = text.rfind("@")
    while at >= 0:
        m = _EMAILS.match(text, at)
        if m is not None:
            spans.append((at, m.end()))
        at = text.rfind("@", 0, at)
    return spans


def _local_part_start(text: str, at: int) -> int:
    """Where the local part of the email whose "@" is at `at` starts (`at` if it has none)."""
    end = at
    while end:  # rstrip finds the run of local-part characters in C, a chunk at a time
        begin = max(0, end - _LOCAL_CHUNK)
        kept = len(text[begin:end].rstrip(_LOCAL_CHARS))
        if kept:
            return begin + kept
        end = begin
    return 0


def _add_emails(text: str, found: list[Entity], pending: list[tuple[int, int]], before: int) -> int:
    """Add the pending emails whose "@" comes before `before`; returns the next one's "@" position.

    `pending` holds the (start, end) spans of "@domain" matches, last first. Numbers found in
    an email's local part are the email's.
    """
    while pending and pending[-1][0] < before:
        at, end = pending.pop()
        first = _local_part_start(text, at)
        if first < at:
            while found and found[-1].end > first:
                found.pop()
            found.append(_new_tuple(Entity, (EMAIL, first, end, text[first:end])))
    return pending[-1][0] if pending else _NEVER


_NEVER = 1 << 62  # beyond any text's length


def _add_names(text: str, found: list[Entity], ner: NameDetector) -> list[Entity]:
    """Add the NER hook's person names; where spans overlap, the earlier (then longer) one wins."""
    for start, end in ner(text):
        if 0 <= start < end <= len(text):
            found.append(Entity(PERSON, start, end, text[start:end]))
    found.sort(key=lambda e: (e.start, -(e.end - e.start)))
    kept: list[Entity] = []
    for entity in found:
        if not kept or entity.start >= kept[-1].end:
            kept.append(entity)
    return kept


class Masker:
    """Finds PII; stateless and thread-safe. `ner` may add person names (start, end)."""

    def __init__(self, ner: NameDetector | None = None) -> None:
        self.ner = ner

    def detect(self, text: str) -> list[Entity]:
        found: list[Entity] = []
        append = found.append
        # Emails and numbers in the order they start, as one scan would find them.
        pending = _email_domains(text) if "@" in text else []
        next_at = pending[-1][0] if pending else _NEVER
        for m in _NUMBERS.finditer(text):
            raw, start = m.group(), m.start()
            if start > next_at:
                next_at = _add_emails(text, found, pending, start)
            if raw.isdigit():
                digits = raw
            else:
                if raw[0] == "(" and not _AREA_CODE.match(raw):  # a parenthesis belongs only around an area code
                    raw, start = raw[1:], start + 1
                if raw[-1] == ")" and raw.count("(") < raw.count(")"):
                    raw = raw[:-1]
                digits = _digits(raw)
            kind = _classify(raw, digits, _hint(text, start))
            if kind is not None:
                append(_new_tuple(Entity, (kind, start, start + len(raw), raw)))
            elif " " in raw:
                _side_by_side(text, raw, start, found)
        if pending:
            _add_emails(text, found, pending, _NEVER)
        if self.ner is not None:
            found = _add_names(text, found, self.ner)
        return found

    def mask(self, text: str, vault: Vault) -> str:
        try:
            entities = self.detect(text)
            if not entities:
                return text
            out: list[str] = []
            pos = 0
            for entity in entities:
                out.append(text[pos:entity.start])
                out.append(vault.placeholder(entity.kind, entity.value))
                pos = entity.end
            out.append(text[pos:])
            return "".join(out)
        except MaskingError:
            raise
        except Exception as exc:  # fail closed: the caller sends nothing
            raise MaskingError(f"masking failed: {type(exc).__name__}") from exc


_PLACEHOLDER = re.compile(r"\[?\bREDACTED_(?P<kind>[A-Z]+)_(?P<n>\d+)\b\]?")


class Vault:
    """One request's placeholders: value -> placeholder and back. Never stored."""

    def __init__(self) -> None:
        self._by_value: dict[tuple[str, str], str] = {}
        self._values: dict[str, str] = {}
        self._numbers: Counter[str] = Counter()
        self.counts: Counter[str] = Counter()  # occurrences masked per kind

    def placeholder(self, kind: str, value: str) -> str:
        self.counts[kind] += 1
        key = (kind, value)
        token = self._by_value.get(key)
        if token is None:
            self._numbers[kind] += 1
            token = f"[REDACTED_{kind}_{self._numbers[kind]}]"
            self._by_value[key] = token
            self._values[token] = value
        return token

    def restore(self, text: str) -> str:
        """Put the original values back (also when the model dropped the brackets)."""
        if not self._values or "REDACTED_" not in text:
            return text

        def swap(m: re.Match[str]) -> str:
            value = self._values.get(f"[REDACTED_{m.group('kind')}_{m.group('n')}]")
            return value if value is not None else m.group()

        return _PLACEHOLDER.sub(swap, text)

    def values(self) -> list[str]:
        return list(self._values.values())

    def __len__(self) -> int:
        return len(self._values)


DEFAULT_MASKER = Masker()


def mask(text: str, vault: Vault | None = None) -> tuple[str, Vault]:
    """Mask one text with the default masker; returns the masked text and its vault."""
    vault = vault if vault is not None else Vault()
    return DEFAULT_MASKER.mask(text, vault), vault
