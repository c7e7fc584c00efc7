import pytest
pytestmark = pytest.mark.usefixtures("clean_ai")
TEXT = "Tolong ringkas catatan rapat penjualan minggu ini untuk tim."
def test_dbg(gateway_for, as_role, standin):
    gateway = gateway_for("gemini")
    staff = as_role("staff")
    for i in range(3):
        r = gateway.chat(staff, "test.budget", TEXT)
    for s in standin.requests: print("BODY", s.usage, s.body)
    assert 0
