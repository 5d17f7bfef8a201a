"""Announcement facts: vendors, places, technologies, quantities, money, dates, event keys."""

from __future__ import annotations

import pytest
import yaml

from crawlers.parsers import article
from registry.normalise.announcement import (
    event_date,
    event_key,
    extract_value,
    normalise_announcement,
    snippet,
)
from registry.normalise.places import place_aliases
from registry.normalise.quantities import extract_quantities
from registry.relevance import published_announcement
from tests.conftest import FIXTURES

ARTICLES = FIXTURES / "articles"
EXPECTED = yaml.safe_load((ARTICLES / "expected.yaml").read_text("utf-8"))


def record_of(name: str) -> dict:
    return normalise_announcement(next(article.parse((ARTICLES / name).read_bytes())))


def item(text: str, title: str = "", **extra) -> dict:
    return {
        "kind": "announcement",
        "source": "news-feed",
        "source_id": "x",
        "title": title,
        "text": text,
        **extra,
    }


# Articles whose every fact the extraction gets right (benchmarks/announcement_accuracy.py
# measures all of them; the misses are listed in the report).
EXACT = [
    "citizenportal_cibolo-tx_flock-alpr-purchase.txt",
    "citizenportal_fair-oaks-ranch-tx_flock-alpr-pilot.txt",
    "communityimpact_flower-mound-tx_flock-tabled-2023.txt",
    "elgin-il_vigilant-solutions-lpr-agreement-2014.txt",
    "guns-com_shotspotter-expands-7-new-cities-2017.txt",
    "nation-pk_huawei_lahore-psca-safe-city-2023.txt",
    "pittks_police_flock-alpr-media-release-2024.txt",
    "asmag_axis_billerica-police.txt",
    "huawei_enterprise_wujiang-police-case.txt",
    "pasadenanow_shotspotter-review.txt",
    "de_wdr_dortmund-kampstrasse-videobeobachtung.txt",
    "it_radioaldebaran_rapallo-occhi-elettronici.txt",
    "es_rubi_videovigilancia-captacion-matriculas.txt",
    "es_ondacero_reocin-camaras-matriculas.txt",
    "nl_destentor_harderwijk-cameratoezicht.txt",
    "pl_strazmiejskachojnice_kamery.txt",
]


def quantities_of(entry: dict) -> set[tuple]:
    """Labelled quantities as (count, of, status); the status defaults to installed."""
    return {(q[0], q[1], q[2] if len(q) > 2 else "installed") for q in entry["quantities"]}


@pytest.mark.parametrize("name", EXACT)
def test_facts_match_what_a_reader_finds(name):
    record, want = record_of(name), EXPECTED[name]
    assert set(record["vendors"]) == set(want["vendors"])
    assert {(p["city"], p["country"]) for p in record["places"]} == {
        tuple(p) for p in want["places"]
    }
    assert set(record["technologies"]) >= set(want["technologies"])
    assert {(q["count"], q["of"], q["status"]) for q in record["quantities"]} == quantities_of(want)
    value = record["value"]
    assert (value and [value["amount"], value["currency"]]) == (want["value"] or None)


def test_record_has_the_issue_shape_and_a_short_public_snippet():
    record = record_of("pittks_police_flock-alpr-media-release-2024.txt")
    assert record["kind"] == "announcement"
    assert record["published"] == "2024-03-20"
    assert record["event_date"] == "2023-08-22"  # the vote, months before the release
    assert record["places"][0]["id"] == "geonames/4277241"  # Pittsburg, Kansas
    assert len(record["snippet"]) <= 300 and record["snippet"].endswith("…")
    assert record["text"].startswith("Skip To Content")  # whole text kept for the crawl store
    assert published_announcement(record)


def test_event_date_without_year_takes_the_publication_year_before_it():
    record = record_of("eguizhou_hisense_guiyang-skynet-cameras-2017.txt")
    assert (record["published"], record["event_date"]) == ("2017-01-03", "2016-12-28")


def test_vendor_of_the_publishing_site_counts_when_the_text_does_not_name_it():
    record = record_of("huawei_ict-insights_karamay-very-safe-city.txt")
    assert record["vendors"] == ["huawei"]
    assert normalise_announcement(item("Cameras in Lyons.", vendor="axis"))["vendors"] == ["axis"]


def test_bare_dollars_are_read_by_the_country_of_the_story():
    text = "Melbourne, Australia: the council awarded a $2.5 million contract for 120 CCTV cameras."
    record = normalise_announcement(item(text))
    assert record["value"] == {"amount": 2_500_000.0, "currency": "AUD"}
    assert record["places"][0] == {"city": "Melbourne", "country": "AU", "id": "geonames/2158177"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It has 1,200 CCTV cameras and 38 sites.", [(1200, "cameras"), (38, "sites")]),
        ("installation of nine cameras", [(9, "cameras")]),
        ("a target to activate two thousand PSCA cameras by August 14", [(2000, "cameras")]),
        (
            "41 Flock Safety Falcon automated license plate recognition (ALPR) cameras",
            [(41, "cameras")],
        ),
        ("贵阳市新增2,000个摄像头", [(2000, "cameras")]),
        ("Since 2012 cameras were installed; 60 incidents of gunfire.", []),
        ("220 Highway Patrol vehicles", [(220, "vehicles")]),
    ],
)
def test_quantities(text, expected):
    assert [(q["count"], q["of"]) for q in extract_quantities(text)] == expected


@pytest.mark.parametrize(
    ("title", "text"),
    [
        (
            "High-speed camera for the materials laboratory",
            "The university laboratory buys a high-speed camera recording 10,000 frames per second "
            "for fracture mechanics experiments.",
        ),
        (
            "Lecture capture and video management system",
            "The university procures a video management system for recording lectures and "
            "streaming seminars to students.",
        ),
        (
            "Security guard services",
            "Manned guarding and security guard services for the council depot, including key "
            "holding and patrols.",
        ),
    ],
    ids=["lab-camera", "lecture-video", "guard-services"],
)
def test_near_misses_are_not_deployments(title, text):
    record = normalise_announcement(item(text, title=title))
    assert not published_announcement(record), record["technologies"]


def test_speed_camera_is_not_licence_plate_recognition():
    text = (
        "The county installed two speed cameras on the A14 to enforce the 40 mph speed limit "
        "near the school."
    )
    record = normalise_announcement(item(text, title="Speed cameras on the A14"))
    assert "alpr" not in record["technologies"]


def test_same_story_from_two_outlets_has_one_event_key():
    first = item(
        # Without its state Pittsburg is Kansas's or California's: the story must say which.
        "The Pittsburg City Commission in Kansas voted on Tuesday to lease 14 Flock Safety "
        "licence plate recognition cameras.",
        published="2023-08-23",
        url="https://a.example/1",
    )
    second = item(
        "Pittsburg police will get 14 Flock LPR cameras after the City Commission vote.",
        title="Flock cameras coming to Pittsburg, Kansas",
        published="2023-08-25",
        url="https://b.example/news/2",
    )
    one, two = normalise_announcement(first), normalise_announcement(second)
    assert event_key(one) == event_key(two)
    other = normalise_announcement(
        item(
            "The Cibolo City Council bought 41 Flock Safety licence plate cameras.",
            published="2023-08-25",
        )
    )
    assert event_key(other) != event_key(one)


def test_snippet_is_short_whole_words_and_redacted():
    text = "Contact j.smith@example.org or call 01234 567890. " + "word " * 200
    short = snippet(text)
    assert len(short) <= 300 and "j.smith@" not in short and "567890" not in short
    assert snippet(None) is None


def test_empty_and_odd_items_give_nulls_not_errors():
    record = normalise_announcement({"kind": "announcement", "source": "x", "source_id": "y"})
    assert record["vendors"] == record["places"] == record["technologies"] == []
    assert record["value"] is None and record["published"] is None and record["snippet"] is None
    odd = normalise_announcement(item("x" * 300_000, published="not a date", language="??"))
    assert odd["published"] is None and odd["language"] is None


def test_a_publication_date_after_tomorrow_is_not_trusted():
    assert (
        normalise_announcement(item("Cameras approved.", published="2099-01-01"))["published"]
        is None
    )
    assert (
        normalise_announcement(item("Cameras approved.", published="2023-07-05"))["published"]
        == "2023-07-05"
    )


def test_no_event_date_a_year_before_the_article_that_announces_it():
    # The Nation, 2023-07-05: cameras "to be operationalised by August 14".
    url, text = (
        (ARTICLES / "nation-pk_huawei_lahore-psca-safe-city-2023.txt")
        .read_text("utf-8")
        .split("\n", 1)
    )
    record = normalise_announcement(item(text, url=url.strip(), published="2023-07-05"))
    assert record["event_date"] == "2023-08-14"
    assert record["places"][0]["city"] == "Lahore"
    # A year-less date takes the year that puts it nearest the publication.
    assert event_date("The council voted on December 15.", "2024-01-05") == "2023-12-15"
    assert event_date("Cameras go live on March 3.", "2024-03-10") == "2024-03-03"


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Jetzt wird ein Videocontainer mit vier Kameras aufgebaut.", "de", [(4, "installed")]),
        ("Mehr als 40 Kameras haben ab sofort alles im Blick", "de", [(40, "installed")]),
        ("Die Stadt will rund tausend Kameras aufhängen, sie sollen 2026 kommen.", "de",
         [(1000, "planned")]),
        ("La ville compte un millier de caméras.", "fr", [(1000, "installed")]),
        ("Un dispositif de 14 caméras sera implanté sur l’ensemble du village.", "fr",
         [(14, "planned")]),
        ("A settembre saranno installate due nuove telecamere.", "it", [(2, "planned")]),
        ("ha installato dodici telecamere nelle vie d’accesso", "it", [(12, "installed")]),
        ("El Ayuntamiento ha instalado cuatro cámaras de videovigilancia.", "es",
         [(4, "installed")]),
        ("La ciudad necesita 300 cámaras más.", "es", [(300, "needed")]),
        ("serão instaladas 12 câmeras de videomonitoramento", "pt", [(12, "planned")]),
        ("De gemeente zal 20 camera's plaatsen.", "nl", [(20, "planned")]),
        ("Przybyły cztery kamery na skrzyżowaniu ulic.", "pl", [(4, "installed")]),
        ("贵阳市新增两千个摄像头", "zh", [(2000, "installed")]),
        ("建设全县工程,架设安装视频监控摄像机1825个", "zh", [(1825, "installed")]),
        ("明年底前將在全市建置完成2萬3608具監視器", "zh", [(23608, "planned")]),
        ("The council needs 300 more cameras.", "en", [(300, "needed")]),
        ("The city will install 50 cameras next year.", "en", [(50, "planned")]),
        ("Surat has 104 cameras in 23 locations and 5,000 cameras are planned.", "en",
         [(104, "installed"), (23, "installed"), (5000, "planned")]),
    ],
)  # fmt: skip
def test_counts_in_nine_languages_with_their_status(text, language, expected):
    found = extract_quantities(text, language)
    assert [(q["count"], q["status"]) for q in found] == expected


def test_approximations_are_counts_marked_approximate():
    (about,) = extract_quantities("Mehr als 40 Kameras", "de")
    (thousand,) = extract_quantities("un millier de caméras", "fr")
    (chinese,) = extract_quantities("使市区监控达到1300个以上摄像头", "zh")
    (exact,) = extract_quantities("vier Kameras", "de")
    assert about["approximate"] and thousand["approximate"] and chinese["approximate"]
    assert not exact["approximate"]


def test_only_installed_cameras_are_the_announcements_camera_count():
    from registry.tables_announcements import row

    record = normalise_announcement(
        item("Pittsburg has 14 Flock cameras. The council needs 300 more cameras.")
    )
    statuses = {q["count"]: q["status"] for q in record["quantities"]}
    assert statuses == {14: "installed", 300: "needed"}
    stored = {"first_seen": "2024-01-01", "last_changed": "2024-01-01"}
    assert row(record, stored)["cameras"] == 14


@pytest.mark.parametrize(
    ("text", "language", "technology"),
    [
        ("Die Videobeobachtung am Bahnhof startet am Donnerstag.", "de", "cctv"),
        ("Rapallo, due nuovi occhi elettronici in piazza", "it", "cctv"),
        ("un sistema que combina visualización de entorno y captación de matrículas", "es",
         "alpr"),
        ("台南市警察局建置視頻監控系統", "zh", "cctv"),
        ("北海派出所升级天网工程", "zh", "safe_city"),
        ("合肥市公安局瑶海分局雪亮工程支网运维服务采购项目", "zh", "safe_city"),
        ("新安装了1000组可识别人脸的高清监控摄像头", "zh", "face_recognition"),
        # Chinese quotes a programme's name inside it.
        ("该镇启动“雪亮”工程建设，覆盖全部行政村。", "zh", "safe_city"),
        # Polish puts the adjective first as often as after: "uliczny monitoring".
        ("Radni chcą, by strażników zastąpił uliczny monitoring.", "pl", "cctv"),
    ],
)  # fmt: skip
def test_technology_vocabulary_of_each_language(text, language, technology):
    record = normalise_announcement(item(text, language=language))
    assert technology in record["technologies"]


def test_an_idiom_is_not_a_surveillance_programme():
    record = normalise_announcement(item("天网恢恢，疏而不漏。法院判处被告三年。", language="zh"))
    assert record["technologies"] == []


@pytest.mark.parametrize(
    ("text", "url", "place"),
    [
        # The place named only in the URL: its domain or its path.
        ("El Ayuntamiento instala cámaras de videovigilancia en los accesos.",
         "https://rubi.cat/es/actualidad/noticias/el-ayuntamiento-instala-camaras", "es/rubi"),
        ("La commune a déjà 28 caméras de vidéoprotection.",
         "http://www.montgeron.info/lafeuillerouge/", "fr/montgeron"),
        ("Der Platz vor dem Bahnhof soll videoüberwacht werden.",
         "https://www.goslarsche.de/lokales/video-ueberwachung-bahnhofsvorplatz-goslar-614441.html",
         "de/goslar"),
        ("Przybyły cztery kamery na skrzyżowaniu ulic Sukienników i Bankowej.",
         "https://strazmiejskachojnice.pl/przybylo-kamer-monitorujacych-miasto/", "pl/chojnice"),
        # Exonyms and capitals.
        ("Die Polizei in Belgrad setzt auf Gesichtserkennung von Huawei.", None, "rs/belgrade"),
        ("RAPALLO – Il Comune potenzia la videosorveglianza con nuove telecamere.", None,
         "it/rapallo"),
        ("CASALE SUL SILE. Telecamere intelligenti anche qui.", None, "it/casale-sul-sile"),
        # Organisation and locative wording in other languages.
        ("Il comune di Azzano San Paolo ha installato dodici telecamere.", None,
         "it/azzano-san-paolo"),
        ("Am Mittwoch wurden in Köln die ersten drei Kameras angebracht.", None, "de/koln"),
        ("辛集市的雪亮工程一期建设已全面启动。", None, "cn/xinji"),
        ("【記者洪佳萍/台南】監視器設備的設置已經成為施政重點之一。", None, "tw/tainan"),
    ],
)  # fmt: skip
def test_places_from_text_url_exonyms_and_capitals(text, url, place):
    # Each sentence is in the language of its place's country (Belgrad: German); one sentence is
    # too short to tell its language, so the item declares it as a page's metadata would.
    language = {"rs": "de", "cn": "zh", "tw": "zh"}.get(place[:2], place[:2])
    record = normalise_announcement(item(text, url=url, language=language))
    # Expected places are written as the earlier, readable ids ("de/koln"): every GeoNames-keyed
    # place keeps its earlier id as an alias.
    aliases = place_aliases()
    assert place in aliases and aliases[place] in [p["id"] for p in record["places"]], record[
        "places"
    ]


@pytest.mark.parametrize(
    ("text", "url"),
    [
        # A news agency is not the story's place (Xinhua is also a Chinese county).
        ("SHIBING, Jan. 8 (Xinhua) -- 272 high-definition cameras watch the county's streets.",
         None),
        ("施秉县天网工程已正式启用。本文来源: 新华", None),
        # A photo caption or credit is not the story's place.
        ("Der Platz soll videoüberwacht werden. Foto: Essen (Archiv)\nDie Ratspolitik stimmt zu.",
         None),
        ("(fot. Radosław Szczęch / Lublin)\nNowa ścieżka będzie uzbrojona w kamery monitoringu.",
         None),
        # A URL word the text writes in lower case is an ordinary word.
        ("The company sells license-plate-reading technology to police.",
         "https://www.govtech.com/biz/motorola-solutions-buys-license-plate-reading-company.html"),
    ],
)  # fmt: skip
def test_agencies_captions_and_ordinary_url_words_are_not_places(text, url):
    record = normalise_announcement(item(text, url=url))
    cities = {p["city"] for p in record["places"] if p["city"]}
    assert not cities & {"Xinhua", "Essen", "Lublin", "Reading"}, record["places"]


def test_an_amount_is_not_a_count():
    text = "Council approved the purchase of up to $30,000 in digital police security cameras."
    assert extract_quantities(text, "en") == []


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Am Marktplatz hängen seit Montag vier neue Kameras.", "de"),
        ("A prefeitura vai instalar mais 30 câmeras nas entradas da cidade.", "pt"),
    ],
)
def test_an_announcement_that_counts_cameras_is_about_video_surveillance(text, language):
    assert "cctv" in normalise_announcement(item(text, language=language))["technologies"]


def test_cameras_counted_for_another_camera_technology_are_not_cctv():
    text = "The council approved 12 automated license plate reader cameras at the city limits."
    technologies = normalise_announcement(item(text, language="en"))["technologies"]
    assert technologies == ["alpr"]


def test_swiss_amounts_group_thousands_with_an_apostrophe():
    text = "Der Gemeinderat rechnet für die vier Kameras mit Kosten von rund 48'500 Franken."
    value = normalise_announcement(item(text, language="de"))["value"]
    assert value == {"amount": 48500.0, "currency": "CHF"}


@pytest.mark.parametrize(
    ("text", "language", "amount"),
    [
        ("De gemeente trekt een half miljoen euro uit voor nieuwe camera's.", "nl", 500_000.0),
        ("El ayuntamiento destina un millón y medio de euros a 40 cámaras.", "es", 1_500_000.0),
        ("La ville consacre un million et demi d'euros à la vidéoprotection.", "fr", 1_500_000.0),
        ("Die Stadt investiert anderthalb Millionen Euro in die Videoüberwachung.", "de",
         1_500_000.0),
    ],
)  # fmt: skip
def test_half_and_one_and_a_half_million_in_words(text, language, amount):
    value = normalise_announcement(item(text, language=language))["value"]
    assert value == {"amount": amount, "currency": "EUR"}


@pytest.mark.parametrize(
    ("text", "language", "value"),
    [
        ("The study estimates a return of $26 for every dollar spent on the gunshot sensors.",
         "en", None),
        ("The city signed a $1.2 million contract; it returns $4 for each dollar spent.", "en",
         {"amount": 1_200_000.0, "currency": "USD"}),
        ("El estudio calcula un retorno de 7 euros por cada euro invertido en cámaras.", "es",
         None),
        ("Die Studie rechnet mit 5 Euro pro investiertem Euro für die Videoüberwachung.", "de",
         None),
    ],
)  # fmt: skip
def test_a_return_per_unit_spent_is_no_amount_of_the_deployment(text, language, value):
    assert normalise_announcement(item(text, language=language))["value"] == value


def test_millions_counted_in_words():
    # 24.sapo.pt, tag "câmaras de videovigilância" (Lusa).
    text = (
        "A Câmara Municipal de Cascais pretende ter em funcionamento 350 câmaras de "
        "videovigilância, até ao verão, nas zonas mais sensíveis do concelho, num investimento de "
        "oito milhões de euros, disse hoje à agência Lusa o presidente da autarquia."
    )
    assert extract_value(text, []) == {"amount": 8_000_000.0, "currency": "EUR"}


def test_a_total_cost_after_an_aside_and_before_tax():
    # Made up in a French village's page shape: the total's cue without its accent, an aside in
    # brackets, the amount before tax (HT), a subsidy before it.
    text = (
        "Une subvention de 12 500€ est accordée par la Région. Le cout global (achat, pose, "
        "formation des agents, etc…) sera de plus de 48 000€ht."
    )
    assert extract_value(text, []) == {"amount": 48_000.0, "currency": "EUR"}


def test_an_amount_stated_as_the_total_cost_wins_over_a_subsidy_before_it():
    # Made up in a council report's shape (a subsidy, the town's share, then the total).
    text = (
        "Cette extension sera financée par une subvention de 512 000 euros. La municipalité "
        "complètera avec 130 000 euros. Ainsi, le coût total s'élèvera à 642 000 euros."
    )
    assert extract_value(text, []) == {"amount": 642_000.0, "currency": "EUR"}
    # A share named after the total in another clause is not it (citizenportal.ai, Cibolo TX,
    # tests/fixtures/articles/citizenportal_cibolo-tx_flock-alpr-purchase.txt).
    text = (
        "approving a purchase order totaling $200,650. Under the grant, MVCPA will cover "
        "$167,158 of the total cost; the city's share is $33,442."
    )
    assert extract_value(text, []) == {"amount": 200_650.0, "currency": "USD"}


@pytest.mark.parametrize(
    ("text", "places", "value"),
    [
        # A contract's first year, then its cap: the cap is its value.
        (
            "An initial appropriation of $30,000 and an overall three-year not-to-exceed amount "
            "of $90,000 were approved.",
            [],
            (90_000.0, "USD"),
        ),
        # A share, then the whole: "valor total".
        (
            "A prefeitura paga R$ 360 mil. O valor total do projeto será de R$600 mil.",
            [],
            (600_000.0, "BRL"),
        ),
        # Pesos are the story's country's, Mexico's where it names none.
        ("Se invertirán 18 millones de pesos en nuevas cámaras.", [], (18_000_000.0, "MXN")),
        (
            "Se invertirán 250 millones de pesos en cámaras.",
            [{"country": "CO"}],
            (250_000_000.0, "COP"),
        ),
        # Myriads in words: 五亿八千万 is 580 million, not its last 80 million.
        ("预计将以五亿八千万元的经费承租监视器。", [], (580_000_000.0, "CNY")),
        # A decimal in numerals, with its point 點: 2.44 hundred million Taiwan dollars.
        ("縣府今年編列二點四四億元建置監視器。", [{"country": "TW"}], (244_000_000.0, "TWD")),
        # A rounded amount stated exactly later is the exact one.
        (
            "Cela a un prix : presque 90 000 €. L'investissement coûte 87 947 €.",
            [],
            (87_947.0, "EUR"),
        ),
        # A rounded amount is kept when no later amount restates it.
        ("The nearly $200,000 contract follows a $1 million one of 2017.", [], (200_000.0, "USD")),
    ],
)
def test_the_value_of_an_announcement(text, places, value):
    assert extract_value(text, places) == {"amount": value[0], "currency": value[1]}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("La obra costará cinco mil euros.", (5_000.0, "EUR")),
        ("Una spesa di duemila euro per le telecamere.", (2_000.0, "EUR")),
        ("Die Stadt gibt zwanzigtausend Euro aus.", (20_000.0, "EUR")),
        ("Le conseil vote cinq mille euros.", (5_000.0, "EUR")),
        ("Miasto wyda pięć tysięcy złotych.", (5_000.0, "PLN")),
        ("Se invertirán dos mil millones de pesos.", (2_000_000_000.0, "MXN")),
    ],
)
def test_thousands_in_words(text, value):
    assert extract_value(text, []) == {"amount": value[0], "currency": value[1]}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("El ayuntamiento invertirá treinta y cinco millones de euros.", (35_000_000.0, "EUR")),
        ("O investimento é de trinta e cinco mil euros.", (35_000.0, "EUR")),
        ("The project costs two hundred and fifty thousand dollars.", (250_000.0, "USD")),
        ("La ville investit quatre-vingts millions d'euros.", (80_000_000.0, "EUR")),
        # Two numbers of one order are a range, not one number: its upper end is read.
        ("Costará entre dos y tres millones de euros.", (3_000_000.0, "EUR")),
    ],
)
def test_amounts_in_number_words_joined_apart_or_multiplied(text, value):
    assert extract_value(text, []) == {"amount": value[0], "currency": value[1]}
