"""Daily packages: streamed member by member, pre-filtered, bad members and truncation survived."""

import io
import tarfile
from pathlib import Path

from crawlers.parsers import ted_package

FIXTURES = Path(__file__).parents[2] / "fixtures" / "ted"
SURVEILLANCE = ted_package.Relevance(["35120000", "32323500"], ["video surveillance"])


def make_package(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


MEMBERS = {
    "20200427_082/194753_2020.xml": (FIXTURES / "ted-legacy/20-198944-001-EXP.xml").read_bytes(),
    "20200427_082/broken.xml": b"<TED_EXPORT><unclosed>",
    "20231130_230/727192_2023.xml": (
        FIXTURES / "ted-eforms/ted-727192-2023_sdk1.7_st22.xml"
    ).read_bytes(),
    "20231102_211/666487_2023.xml": (
        FIXTURES / "ted-eforms/ted-666487-2023_sdk1.7_st12.xml"
    ).read_bytes(),
    "README.txt": b"not a notice",
}


def test_members_parsed_and_bad_one_reported():
    members = list(ted_package.iter_package(io.BytesIO(make_package(MEMBERS))))
    assert [m.name for m in members] == [n for n in MEMBERS if n.endswith(".xml")]
    legacy, broken, eforms, police = members
    assert legacy.items[0]["source_id"] == "194753-2020"
    assert broken.items == [] and "broken.xml" in broken.error and "malformed XML" in broken.error
    assert eforms.items[0]["source_id"] == "727192-2023"
    assert police.items[0]["buyer"]["name"] == "politie"


def test_relevance_prefilter_skips_before_parsing():
    members = list(ted_package.iter_package(io.BytesIO(make_package(MEMBERS)), SURVEILLANCE))
    kept = [m.items[0]["source_id"] for m in members if m.items]
    # 35120000 in both; 666487 has 35100000/35112000 only, which are not under 3512xxxx/323235xx.
    assert kept == ["194753-2020", "727192-2023"]
    assert [m.relevant for m in members] == [True, False, True, False]


def test_relevance_matches_cpv_subtree_and_keywords():
    assert SURVEILLANCE(b'<CPV_CODE CODE="35125300"/>')
    assert not SURVEILLANCE(b"<x>135120000</x>")  # only whole codes: text or attribute start
    assert SURVEILLANCE(b"<P>Video Surveillance for the town hall</P>")
    assert not SURVEILLANCE(b"<P>window replacement</P>")


def test_truncated_package_keeps_what_came_before():
    package = make_package(MEMBERS)
    members = list(ted_package.iter_package(io.BytesIO(package[: len(package) * 2 // 3])))
    assert members[0].items[0]["source_id"] == "194753-2020"
    assert members[-1].name == "<package>"
    assert "truncated or corrupt package" in members[-1].error
