import pytest

from registry.normalise.suppliers import supplier_key, supplier_vendor


@pytest.mark.parametrize(
    "name",
    [
        "Reliance High-Tech Limited",
        "RELIANCE HIGH TECH LTD",
        "Reliance High Tech Ltd.",
        "reliance hightech limited",
    ],
)
def test_one_firm_however_written(name):
    assert supplier_key(name) == "reliancehightech"


def test_trading_names_and_known_vendors():
    assert supplier_key("WCL UK Ltd t/a Everything ICT") == "wcluk"
    assert supplier_key("GOUGH & KELLY LTD") == supplier_key("Gough and Kelly Limited")
    assert supplier_vendor("Hangzhou Hikvision Digital Technology Co., Ltd.") == "hikvision"
    assert supplier_vendor("Reliance High-Tech Limited") is None


@pytest.mark.parametrize("name", ["", "   ", None, 42, "x" * 400])
def test_no_name_no_key(name):
    assert supplier_key(name) is None
