"""`bos ai ...`: the operator's switch, prices, margins and the masking preview."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from core.ai import policy
from core.ai.metering import list_prices
from core.cli import app
from core.tenancy.registry import get_tenant

pytestmark = pytest.mark.usefixtures("clean_ai")
runner = CliRunner()


def test_operator_commands() -> None:
    off = runner.invoke(app, ["ai", "off", "b-shared", "--reason", "contract ended"])
    assert off.exit_code == 0, off.output
    assert policy.switch_of(get_tenant("b-shared").id) == policy.Switch(False, "operator", "contract ended")
    assert runner.invoke(app, ["ai", "on", "b-shared"]).exit_code == 0
    assert policy.switch_of(get_tenant("b-shared").id).enabled
    assert runner.invoke(app, ["ai", "off", "no-such-company"]).exit_code == 1

    made = runner.invoke(app, ["ai", "price-set", "openai", "gpt-test-cli", "1600.5", "6400", "--note", "test"])
    assert made.exit_code == 0, made.output
    price = next(p for p in list_prices("openai") if p.model == "gpt-test-cli")
    assert (price.input_per_mtok_micros, price.output_per_mtok_micros) == (1_600_500_000, 6_400_000_000)
    assert "gpt-test-cli" in runner.invoke(app, ["ai", "prices", "--provider", "openai"]).output
    assert runner.invoke(app, ["ai", "price-set", "openai", "x", "abc", "1"]).exit_code == 1

    margins = runner.invoke(app, ["ai", "margins", "--days", "7", "--below", "50"])
    assert margins.exit_code == 0 and "a-shared" in margins.output and "b-dedicated" in margins.output
    status = runner.invoke(app, ["ai", "status"])
    assert status.exit_code == 0 and "offline engine" in status.output

    masked = runner.invoke(app, ["ai", "mask", "HP 0812-3456-7890, faktur INV/2026/11/0001"])
    assert masked.output.splitlines() == ["HP [REDACTED_PHONE_1], faktur INV/2026/11/0001", "PHONE: 1"]
