"""Daily packages: streamed member by member, bad members and truncation survived."""

import io
import tarfile
from pathlib import Path

from crawlers.parsers import ted_package

FIXTURES = Path(__file__).parents[2] / "fixtures" / "ted"


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


def test_truncated_package_keeps_what_came_before():
    package = make_package(MEMBERS)
    members = list(ted_package.iter_package(io.BytesIO(package[: len(package) * 2 // 3])))
    assert members[0].items[0]["source_id"] == "194753-2020"
    assert members[-1].name == "<package>"
    assert "truncated or corrupt package" in members[-1].error
