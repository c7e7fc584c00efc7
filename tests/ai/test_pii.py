"""PII detector tables: what must be found (and as what), what must be left alone, and the
vault's numbering and restoring. Pure functions: no database."""

from __future__ import annotations

import pytest

from core.ai.pii import (
    ACCOUNT,
    CARD,
    EMAIL,
    NIK,
    NPWP,
    PERSON,
    PHONE,
    Masker,
    MaskingError,
    Vault,
    card_ok,
    luhn_ok,
    mask,
    nik_ok,
    npwp15_ok,
    regions,
)

M = Masker()


def kinds(text: str) -> list[tuple[str, str]]:
    return [(e.kind, e.value) for e in M.detect(text)]


def test_region_table_is_shipped() -> None:
    codes = regions()
    assert len(codes) > 500
    assert {"1101", "3171", "3273", "5171", "9171"} <= codes
    assert {code[:2] for code in codes} >= {"11", "31", "32", "35", "51", "64", "91", "94"}
    assert "9999" not in codes and "3199" not in codes


VALID_NIKS = [
    ("3171011708450001", "Jakarta Selatan, man, 17-08-45"),
    ("3171015708450001", "woman: day + 40"),
    ("3273012902000003", "29 February in a leap year (00)"),
    ("5171042512990002", "Denpasar"),
    ("9171011010800001", "Jayapura"),
    ("1101017112640001", "woman born 31 December"),
]


@pytest.mark.parametrize(("nik", "why"), VALID_NIKS)
def test_valid_nik(nik: str, why: str) -> None:
    assert nik_ok(nik), why
    assert kinds(f"NIK: {nik}.") == [(NIK, nik)]
    assert kinds(f"KTP {nik} a.n. Siti") == [(NIK, nik)]


def test_nik_with_spaces() -> None:
    assert kinds("nomor induk 3171 0117 0845 0001 terdaftar") == [(NIK, "3171 0117 0845 0001")]


INVALID_NIKS = [
    ("3171013208450001", "day 32"),
    ("3171010008450001", "day 00"),
    ("3171017208450001", "woman's day 72 = 32"),
    ("3171011713450001", "month 13"),
    ("3171011700450001", "month 00"),
    ("3171013002450001", "30 February"),
    ("3171012902010001", "29 February 2001"),
    ("3171013104450001", "31 April"),
    ("9971011708450001", "province 99"),
    ("2071011708450001", "province 20"),
    ("3199011708450001", "Jakarta has no regency 99"),
    ("3171001708450001", "sub-district 00"),
    ("3171011708450000", "serial 0000"),
    ("317101170845000", "15 digits"),
    ("31710117084500011", "17 digits"),
]


@pytest.mark.parametrize(("nik", "why"), INVALID_NIKS)
def test_invalid_nik(nik: str, why: str) -> None:
    assert not nik_ok(nik), why
    assert NIK not in [k for k, _ in kinds(f"NIK: {nik}")], why


GOOD_NPWPS = [
    "01.312.166.0-091.000",
    "02.183.241.5-000.000",
    "013121660091000",
    "016090524017000",
    "0013121660091000",  # 16 digits: 0 + the old number
]


@pytest.mark.parametrize("npwp", GOOD_NPWPS)
def test_good_npwp(npwp: str) -> None:
    assert kinds(f"NPWP perusahaan {npwp}, PKP") == [(NPWP, npwp)]
    assert kinds(f"tax id {npwp}") == [(NPWP, npwp)]


def test_new_npwp_of_an_individual_is_their_nik() -> None:
    assert kinds("NPWP: 3171011708450001") == [(NPWP, "3171011708450001")]


BAD_NPWPS = ["01.312.166.1-091.000", "02.183.241.6-000.000", "013121661091000", "00.000.000.0-000.000"]


@pytest.mark.parametrize("npwp", BAD_NPWPS)
def test_npwp_with_a_bad_check_digit_is_not_an_npwp(npwp: str) -> None:
    digits = "".join(c for c in npwp if c.isdigit())
    assert not npwp15_ok(digits)
    assert NPWP not in [k for k, _ in kinds(f"NPWP {npwp}")]


GOOD_PHONES = [
    "0812-3456-7890", "081234567890", "0812 3456 7890", "0811.2345.678", "+62 812 3456 7890",
    "+62-812-3456-7890", "+6281234567890", "6281234567890", "62 812 3456 7890", "(021) 555-1234",
    "021-5551234", "+62 21 5551234", "0274 512345", "+62 (21) 555 1234",
]


@pytest.mark.parametrize("phone", GOOD_PHONES)
def test_phone_formats(phone: str) -> None:
    assert kinds(f"Hubungi kami di {phone} ya.") == [(PHONE, phone)]
    assert kinds(f"{phone}") == [(PHONE, phone)]


@pytest.mark.parametrize("text", ["kode 0812345", "+1 415 555 0100", "08123456789012345", "+44 20 7946 0958"])
def test_not_indonesian_phones(text: str) -> None:
    assert PHONE not in [k for k, _ in kinds(text)]


@pytest.mark.parametrize("email", ["budi.santoso@gmail.com", "finance+ar@pt-maju.co.id", "CS@Toko-Online.ID"])
def test_emails(email: str) -> None:
    assert kinds(f"Kirim ke {email}.") == [(EMAIL, email)]


@pytest.mark.parametrize("card", ["4111 1111 1111 1111", "5500-0000-0000-0004", "378282246310005",
                                  "3530111333300000", "6011111111111117", "4111111111111111"])
def test_cards(card: str) -> None:
    assert kinds(f"Bayar dengan kartu kredit {card} exp 12/28") == [(CARD, card)]
    assert kinds(f"paid with {card}") == [(CARD, card)]


def test_card_with_bad_luhn_is_not_a_card() -> None:
    assert not luhn_ok("4111111111111112")
    assert kinds("kartu 4111 1111 1111 1112") == []


@pytest.mark.parametrize(("text", "value"), [
    ("Transfer ke rekening BCA 1234567890 a.n. PT Maju", "1234567890"),
    ("No. Rek Mandiri: 123-00-1234567-8", "123-00-1234567-8"),
    ("account no. 0987654321 (BNI)", "0987654321"),
    ("BRI 0023 01 000123 50 6", "0023 01 000123 50 6"),
    ("rek. 7001234567 BSI", "7001234567"),
])
def test_bank_accounts_near_context_words(text: str, value: str) -> None:
    assert kinds(text) == [(ACCOUNT, value)]


def test_bare_numbers_without_context_are_not_accounts() -> None:
    assert kinds("Jumlah barang 1234567890 dihitung ulang") == []


DECOYS = [
    "INV/2026/11/0001", "Faktur INV/2026/11/0001 jatuh tempo 30/11/2026", "Rp 1.234.567", "Rp 1.234.567,00",
    "IDR 25.000.000", "Total: Rp 62.500.000", "Rp 625.000.000", "21/11/2026", "2026-11-21", "21-11-2026",
    "21.11.2026", "SKU-88123-XL", "PRD-2026-00123", "PO-2026-000123", "pukul 14:30", "PPN 11%",
    "Jl. Sudirman No. 21, Jakarta 12190", "qty 1500 unit", "kode pos 12190", "versi 2.4.1", "1234567",
    "order #20261121", "SO/2026/000123", "DO-0812-2026", "Rp 1.500.000 x 12 bulan", "NPWP belum ada",
    "ISBN 978-602-03-1234-5",
]


@pytest.mark.parametrize("text", DECOYS)
def test_decoys_are_left_alone(text: str) -> None:
    assert kinds(text) == [], text


def test_numbers_side_by_side_are_split() -> None:
    assert kinds("NIK 3171011708450001 081234567890") == [(NIK, "3171011708450001"), (PHONE, "081234567890")]


def test_vault_numbers_per_kind_and_reuses_placeholders() -> None:
    text = ("Budi (0812-3456-7890, budi@x.co.id) dan Sari (0813-1111-2222). "
            "Telepon Budi lagi: 0812-3456-7890. NIK 3171011708450001.")
    masked, vault = mask(text)
    assert masked == ("Budi ([REDACTED_PHONE_1], [REDACTED_EMAIL_1]) dan Sari ([REDACTED_PHONE_2]). "
                      "Telepon Budi lagi: [REDACTED_PHONE_1]. NIK [REDACTED_NIK_1].")
    assert dict(vault.counts) == {PHONE: 3, EMAIL: 1, NIK: 1}
    assert len(vault) == 4
    assert vault.restore(masked) == text


def test_restore_tolerates_missing_brackets_and_ignores_unknown_placeholders() -> None:
    _, vault = mask("HP 081234567890")
    answer = "Nomor REDACTED_PHONE_1 aktif; [REDACTED_PHONE_9] tidak dikenal; [REDACTED_PHONE_1]."
    assert vault.restore(answer) == "Nomor 081234567890 aktif; [REDACTED_PHONE_9] tidak dikenal; 081234567890."


def test_a_fresh_vault_per_request() -> None:
    a, _ = mask("HP 081234567890")
    b, _ = mask("HP 081399998888")
    assert a == b == "HP [REDACTED_PHONE_1]"


def test_optional_name_hook() -> None:
    text = "Kontrak dengan Budi Santoso, HP 081234567890."
    start = text.index("Budi")
    masker = Masker(ner=lambda t: [(start, start + len("Budi Santoso"))])
    vault = Vault()
    assert masker.mask(text, vault) == "Kontrak dengan [REDACTED_PERSON_1], HP [REDACTED_PHONE_1]."
    assert dict(vault.counts) == {PERSON: 1, PHONE: 1}
    assert Masker().mask(text, Vault()) == "Kontrak dengan Budi Santoso, HP [REDACTED_PHONE_1]."


def test_masking_fails_closed() -> None:
    def broken(_text: str) -> list[tuple[int, int]]:
        raise RuntimeError("model crashed")

    with pytest.raises(MaskingError):
        Masker(ner=broken).mask("HP 081234567890", Vault())


# --- the scan's fast paths keep the same results ------------------------------------------------


def test_emails_and_numbers_come_out_in_text_order() -> None:
    text = "Kirim ke budi@x.co.id dan HP 081234567890, atau sari@y.com"
    assert kinds(text) == [(EMAIL, "budi@x.co.id"), (PHONE, "081234567890"), (EMAIL, "sari@y.com")]


def test_digits_in_an_email_local_part_belong_to_the_email() -> None:
    assert kinds("HP 081234567890.x@gmail.com") == [(EMAIL, "081234567890.x@gmail.com")]


def test_a_long_local_part_is_taken_whole() -> None:
    local = "a" * 150  # longer than one look-back chunk
    assert kinds(f"dari {local}@gmail.com.") == [(EMAIL, f"{local}@gmail.com")]
    assert kinds(f"{local}@gmail.com") == [(EMAIL, f"{local}@gmail.com")]


@pytest.mark.parametrize("text", ["user @gmail.com", "@@x.com a@", "harga @ Rp 5.000", "a@b"])
def test_an_at_sign_without_an_email(text: str) -> None:
    assert kinds(text) == []


@pytest.mark.parametrize(("text", "kind"), [
    ("NO.REK 1234567890", ACCOUNT),
    ("rekening/account 1234567890", ACCOUNT),
    ("(BCA), 1234567890", ACCOUNT),
    ("kerja.bank 1234567890", ACCOUNT),
    ("Telp/WA: 081234567890", PHONE),
    ("NPWP.: 3171011708450001", NPWP),
])
def test_context_words_with_punctuation(text: str, kind: str) -> None:
    assert [k for k, _ in kinds(text)] == [kind]


def test_context_words_count_only_near_the_number() -> None:
    assert kinds("rekening BCA " + "lorem ipsum " * 5 + "1234567890") == []
    # the window starts inside "rekening": its tail "ng" names nothing
    assert kinds("rekening " + "x" * 44 + " 1234567890") == []
    assert kinds("rekening " + "x" * 37 + " 1234567890") == [(ACCOUNT, "1234567890")]
    # a word glued to a context word is not one
    assert kinds("xbca 1234567890") == []


def test_the_nearest_context_word_wins() -> None:
    assert kinds("NPWP kami, telp 081234567890") == [(PHONE, "081234567890")]
    assert kinds("telp kami, NPWP 3171011708450001") == [(NPWP, "3171011708450001")]


def test_usual_spellings_of_context_words_agree_with_the_token_rules() -> None:
    from core.ai.pii import _HINT_FORMS, _token_kind

    assert _HINT_FORMS  # every form is derived from the token rules, so they cannot disagree
    for form, kind in _HINT_FORMS.items():
        assert _token_kind(form) == kind, form


def _reference_nik_date_ok(digits: str) -> bool:
    days = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
    day, month, year = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    if day > 40:
        day -= 40
    if not (1 <= month <= 12 and 1 <= day <= days[month]):
        return False
    return not (month == 2 and day == 29 and year % 4)


def test_nik_birth_dates_against_the_calendar() -> None:
    for day in range(100):
        for month in range(14):
            for year in (0, 1, 4, 45, 99):
                nik = f"317101{day:02d}{month:02d}{year:02d}0001"
                assert nik_ok(nik) == _reference_nik_date_ok(nik), nik


def test_luhn() -> None:
    assert luhn_ok("79927398713") and luhn_ok("4111111111111111") and luhn_ok("0")
    assert not luhn_ok("79927398710") and not luhn_ok("4111111111111112")
    with pytest.raises(ValueError):
        luhn_ok("4111-1111")


@pytest.mark.parametrize(("card", "ok"), [
    ("2221000000000009", True),  # Mastercard 2-series
    ("2720990000000007", True),
    ("30569309025904", True),  # Diners Club
    ("6445644564456445", True),  # Discover 644-649
    ("5105105105105100", True),
    ("1234567812345670", False),  # valid Luhn, no issuer
    ("411111111111111", False),  # Visa has no 15-digit numbers
])
def test_card_issuers(card: str, ok: bool) -> None:
    assert card_ok(card) is ok
