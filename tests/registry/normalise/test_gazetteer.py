import shutil

from crawlers.reference import REFERENCE_DIR
from registry.normalise import gazetteer


def test_the_packaged_index_is_current_and_a_trial_gets_its_own(tmp_path, monkeypatch):
    packaged = gazetteer.index_path()
    assert packaged == REFERENCE_DIR / gazetteer.INDEX_NAME
    signature = gazetteer.inputs_signature()
    assert gazetteer.is_current(packaged, signature)

    # A trial of reviewed admin names (SURVREG_REFERENCE) never rebuilds the packaged index.
    for name in gazetteer.ADMIN_FILES:
        shutil.copy(REFERENCE_DIR / name, tmp_path / name)
    with (tmp_path / "geonames-admin1.csv").open("a", encoding="utf-8") as handle:
        handle.write("XX,01,Trial Region\n")
    monkeypatch.setenv("SURVREG_REFERENCE", str(tmp_path))
    assert gazetteer.index_path() == tmp_path / gazetteer.INDEX_NAME
    assert gazetteer.inputs_signature() != signature
    shutil.copy(packaged, tmp_path / gazetteer.INDEX_NAME)
    # Built from other inputs: out of date, so the first use rebuilds it there.
    assert not gazetteer.is_current(tmp_path / gazetteer.INDEX_NAME, gazetteer.inputs_signature())


def test_county_keys_meet_however_written():
    assert gazetteer.county_key("St. Louis County") == gazetteer.county_key("Saint Louis")
    assert gazetteer.county_key("Livingston Parish") == "livingston"
    assert gazetteer.geonames_id("2651123") == "geonames/2651123"
    assert gazetteer.county_id("36001") == "us-county/36001"
