import pytest

from registry.normalise.cpv import normalise_cpv, normalise_cpvs


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("32323500-0", "32323500"), ("32323500", "32323500"), (" 32323500 - 0 ", "32323500"),
        ("CPV: 35125300-2", "35125300"), ("32323500-0 Video-surveillance system", "32323500"),
        (32323500, "32323500"), (3221000, "03221000"), ("03000000-1", "03000000"),
    ],
)  # fmt: skip
def test_codes(raw, expected):
    assert normalise_cpv(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["3232350", "323235001", "00000000", "99999999", "abc", "", None, True, 3.2, ["32323500"]],
)
def test_invalid(raw):
    assert normalise_cpv(raw) is None


def test_lists_deduplicated_in_order():
    raw = ["35125300-2", "32323500-0", "32323500", None, "x", 92222000, "35125300"]
    assert normalise_cpvs(raw) == ["35125300", "32323500", "92222000"]
    assert normalise_cpvs("32323500-0") == ["32323500"]
    assert normalise_cpvs(None) == []
    assert normalise_cpvs({"a": 1}) == []
