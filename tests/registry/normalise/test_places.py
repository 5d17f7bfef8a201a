import pytest

from registry.normalise.places import nearest_place, resolve_place


@pytest.mark.parametrize(
    ("city", "country", "place_id", "name"),
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
def test_cities(city, country, place_id, name):
    place = resolve_place(city, country)
    assert (place.id, place.city) == (place_id, name)


def test_disambiguated_by_country():
    gb, us = resolve_place("Cambridge", "GB"), resolve_place("Cambridge", "US")
    assert (gb.id, gb.admin1, round(gb.latitude, 1)) == ("gb/cambridge", "ENG", 52.2)
    assert (us.id, us.admin1, round(us.longitude, 1)) == ("us/cambridge-ma", "MA", -71.1)
    assert resolve_place("Doncaster", "AU").country == "AU"


def test_disambiguated_by_nuts_or_region():
    assert resolve_place("Newport", "GB").id == "gb/newport-wls"  # the largest Newport
    assert resolve_place("Newport", "GB", nuts="UKJ").admin1 == "ENG"
    assert resolve_place("Newport", None, nuts="UKL21").id == "gb/newport-wls"  # UK -> GB
    assert resolve_place("Richmond", "US", region="VA").id == "us/richmond-va"
    assert resolve_place("Richmond", "US", region="California").id == "us/richmond-ca"
    assert resolve_place("Cambridge", "GB", region="Nowhere").id == "gb/cambridge"


def test_without_a_country_the_best_known_city():
    assert resolve_place("Cologne").id == "de/koln"
    # Words inside a longer name are only trusted within a known country.
    assert resolve_place("City of Doncaster Council") is None


@pytest.mark.parametrize(
    ("city", "country"),
    [
        ("Police Scotland", "GB"),  # Police is a Polish town
        ("Home Office", "GB"),
        ("See VI.4.3 below", "GB"),
        ("Doncaster", "FR"),
        ("", "GB"),
        (None, None),
        (42, "GB"),
        ("x" * 1000, "GB"),
    ],
)
def test_not_places(city, country):
    assert resolve_place(city, country) is None


def test_nearest_place():
    # A point by Bern's Bundesplatz, 0.3 km from the city's gazetteer point.
    assert nearest_place(46.9466, 7.4440).id == "ch/bern"
    assert nearest_place(46.9466, 7.4440, "CH").id == resolve_place("Bern", "CH").id
    # OSM node 29773946 (no address) lies on the lake shore at Rapperswil.
    assert nearest_place(47.2284849, 8.820002, country="CH").id == "ch/rapperswil"
    assert nearest_place(46.9466, 7.4440, country="DE") is None  # no German town within 25 km
    assert nearest_place(46.9466, 7.4440, max_km=0.1) is None
    assert nearest_place(0.0, -30.0) is None  # mid-Atlantic
