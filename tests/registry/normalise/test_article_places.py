"""Places named in an article's text and URL (registry/normalise/article_places.py)."""

from __future__ import annotations

import pytest

from registry.normalise.announcement import text_language
from registry.normalise.article_places import _not_a_place, extract_places


def cities(text, url=None, language=None):
    return [(p["city"], p["country"]) for p in extract_places(text, url, language=language)]


@pytest.mark.parametrize(
    ("text", "url", "language", "place"),
    [
        # A small town's own website names it: "vouvray.fr" publishes Vouvray's news.
        ("La commune installe huit caméras de vidéoprotection aux entrées du bourg.",
         "https://www.vouvray.fr/actualites/la-videoprotection-arrive", "fr", ("Vouvray", "FR")),
        # The first words of a story's slug are its dateline town.
        ("Il consiglio comunale ha approvato il progetto di videosorveglianza.",
         "https://www.giornale-lario.com/cronaca/bellagio-via-libera-alle-telecamere-4521",
         "it", ("Bellagio", "IT")),
        # The text names the small town with wording ("a Capestang") and the URL names it too.
        ("Le conseil municipal a voté lundi soir l'installation de caméras à Capestang.",
         "https://www.journal-herault.fr/2025/03/capestang-cameras-conseil", "fr",
         ("Capestang", "FR")),
        # After a municipality's word in the slug.
        ("As câmeras de videomonitoramento começam a funcionar na próxima semana.",
         "https://radio-regional.com.br/noticias/cameras-chegam-ao-municipio-de-cerro-grande",
         "pt", ("Cerro Grande", "BR")),
        # Made up in an Italian daily's shape: the slug drops the apostrophe of "d'Adda"; the
        # text's "Cassano" alone is also Cassano delle Murge's other name.
        ("Tre i progetti di installazione per una spesa totale di 210 mila euro.",
         "https://www.quotidiano-lombardo.it/cronaca/telecamere-a-cassano-dadda-nuovi-occhi",
         "it", ("Cassano d'Adda", "IT")),
        # A German article on a Luxembourg site is about Luxembourg.
        ("Die Gemeinde Düdelingen will im Zentrum Überwachungskameras aufstellen.",
         "https://www.lessentiel.lu/de/story/kameras-im-zentrum-12345", "de",
         ("Dudelange", "LU")),
    ],
)  # fmt: skip
def test_small_towns_that_the_url_names(text, url, language, place):
    assert place in cities(text, url, language)


def test_a_small_town_is_not_read_from_a_word_the_url_only_mentions():
    text = "Les élus ont voté le budget de la vidéoprotection de la commune."
    url = "https://www.journal-herault.fr/2025/03/budget-vouvray-videoprotection"
    assert ("Vouvray", "FR") not in cities(text, url, "fr")


def test_an_english_article_reads_no_small_namesake_abroad():
    # Pasadena, South Australia is a suburb of 1,000 people; an English article names none of
    # the countries where such a namesake lies.
    text = "City Council to hear the gunshot detection review in Pasadena on Monday."
    url = "https://pasadenanow.com/main/council-to-hear-gunshot-detection-review"
    assert not [c for c in cities(text, url, "en") if c[1] == "AU"]


def test_the_short_form_of_a_town_named_in_full_is_the_same_town():
    text = (
        "Il Comune di Castelnuovo del Garda ha installato nuove telecamere. "
        "A Castelnuovo le telecamere sono già attive."
    )
    found = cities(text, "https://www.castelnuovo-news.it/telecamere", "it")
    assert ("Castelnuovo del Garda", "IT") in found
    assert ("Castelnuovo", "IT") not in found


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("Straż miejska w Gdańsku otrzymała dziesięć nowych kamer.", ("Gdańsk", "PL")),
        ("Radni zdecydowali, że monitoring w Nowym Targu zostanie rozbudowany.",
         ("Nowy Targ", "PL")),
        ("Na ulicach Krakowa zawisną kolejne kamery miejskiego monitoringu.", ("Kraków", "PL")),
        ("Centrum monitoringu w Kielcach obsługuje już sto kamer.", ("Kielce", "PL")),
        ("Miasto ogłosiło przetarg na kamery, które staną w Zielonej Górze.",
         ("Zielona Góra", "PL")),
    ],
)  # fmt: skip
def test_polish_towns_in_their_cases(text, place):
    assert place in cities(text, "https://www.gazeta-lokalna.pl/wiadomosci/monitoring", "pl")


def test_a_us_outlet_named_for_its_city_writes_about_its_state():
    # Columbus is a city in Georgia, Ohio and Indiana; an Atlanta outlet's Columbus is Georgia's.
    text = "Columbus police will add 30 license plate readers along the river."
    found = extract_places(text, "https://www.atlantanews.com/local/plate-readers", language="en")
    assert [(p["city"], p["country"]) for p in found] == [("Columbus", "US")]
    assert found[0]["id"] == "geonames/4188985"


@pytest.mark.parametrize(
    ("text", "language", "story", "region"),
    [
        ("A Prefeitura de São José dos Pinhais, na Região Metropolitana de Curitiba, vai "
         "instalar câmeras.", "pt", "São José dos Pinhais", "Curitiba"),
        ("Il sindaco di Mogliano Veneto attende il parere della Prefettura di Treviso.", "it",
         "Mogliano Veneto", "Treviso"),
    ],
)  # fmt: skip
def test_a_name_after_a_regions_word_is_the_region_not_the_story(text, language, story, region):
    url = f"https://www.jornal-local.{'com.br' if language == 'pt' else 'it'}/noticias/cameras"
    found = [city for city, _ in cities(text, url, language)]
    assert story in found and region not in found, found


def test_a_town_named_only_inside_a_longer_town_name_is_not_found_apart():
    text = "A Câmara de Cachoeiro de Itapemirim aprovou o cerco eletrônico da cidade."
    url = "https://www.jornal-sul.com.br/noticias/cerco-eletronico"
    assert [c for c, _ in cities(text, url, "pt")] == ["Cachoeiro de Itapemirim"]


@pytest.mark.parametrize(
    "text",
    [
        # Linxiang, a county-level city GeoNames files under its seat's name (Chang'an); the
        # words before the name run into it ("记者来到临湘市"). hn.rednet.cn, 2015-04-07, in
        # tests/fixtures/articles/zh_rednet_linxiang-tianwang.txt.
        "临湘市将建成“天网”二期工程 覆盖全市21个乡镇、办事处",
        "4月7日上午,记者来到临湘市公安局了解到,近年来临湘市大力实施“天网工程”",
    ],
)
def test_a_chinese_county_is_the_division_its_text_names(text):
    assert cities(text, language="zh") == [("Linxiang", "CN")]


@pytest.mark.parametrize(
    "text",
    [
        # Made up in the shape of a Hebei county's safe-village report, in both scripts: a county
        # of one character named with its suffix.
        "自从村里装了“天眼”，威县的村民心里踏实多了。",
        "自從村裡裝了「天眼」，威縣的村民心裡踏實多了。",
        "威縣公安局在全縣推廣視頻監控。",
    ],
)
def test_a_one_character_county_in_either_script(text):
    assert cities(text, language="zh") == [("Wei", "CN")]


def test_a_traditional_script_county_is_the_simplified_division():
    # Made up in the shape of a Yunnan county's safe-city report, in Traditional script.
    text = "為提升綏江縣新縣城的治安防控水平，縣公安局安裝高清攝像頭。"
    assert cities(text, language="zh") == [("Suijiang Xian", "CN")]


@pytest.mark.parametrize(
    ("text", "place"),
    [
        # Made up in a Hessian local paper's shape: German capitalises the noun before a town
        # ("zum Bahnhof Karben") and the noun after a particle ("Karben am Donnerstag").
        ("Anschließend ging es zum Bahnhof Karben, um Details zu klären.", ("Karben", "DE")),
        ("Die neuen Kameras wurden in Karben am Donnerstag vorgestellt.", ("Karben", "DE")),
    ],
)
def test_a_german_town_between_capitalised_nouns(text, place):
    assert place in cities(text, language="de")


def test_a_noun_after_a_towns_genitive_is_no_town():
    # Made up in a Franconian TV station's shape ("Nürnbergs Hauptbahnhof").
    text = "Neue Kameratechnik soll Nürnbergs Hauptbahnhof sicherer machen."
    assert ("Hauptbahnhof", "DE") not in cities(text, language="de")


def test_an_ap_dateline_states_the_towns_state():
    # Made up in the AP Stylebook's dateline form (CITY, state abbreviation, outlet): Decatur
    # has namesakes in several states, and the dateline's "Ill." tells them apart.
    text = "DECATUR, Ill. (WCIA) — The Decatur City Council will vote on leasing cameras."
    assert [(p["city"], p["country"], p["id"]) for p in extract_places(text, language="en")] == [
        ("Decatur", "US", "geonames/4236895")
    ]


def test_a_german_town_named_by_its_adjective_before_a_station_or_office():
    # weser-kurier.de, 2016-11, "Hauptbahnhof soll sicherer werden".
    text = (
        "Etwa 140.000 Menschen sind jeden Tag am Bremer Hauptbahnhof unterwegs, 80.000 als "
        "Reisende, 60.000 als Besucher."
    )
    assert cities(text, language="de") == [("Bremen", "DE")]
    # An adjective before another noun is a comparison, not the story's town.
    assert cities("Wir wollen keine Londoner Verhältnisse.", language="de") == []


def test_a_village_its_municipalitys_wording_names():
    # elespanol.com, 2021-01-26, "Un pequeño pueblo de Guadalajara decide instalar cámaras";
    # Cincovillas is in GeoNames' list of towns of 500 and more, not in that of 1,000.
    text = (
        "El pequeño municipio de Cincovillas, situado en la Sierra Norte de Guadalajara y con "
        "apenas una veintena de habitantes censados y muchos de ellos octogenarios, acaba de "
        "instalar tres cámaras de seguridad en los puntos más estratégicos del pueblo."
    )
    assert cities(text, language="es") == [("Cincovillas", "ES")]


def test_a_slugs_town_before_the_outlets_home_and_an_id_is_no_slug():
    # Made up in a regional paper's URL shape: the outlet is named for its home city (Dayton,
    # Ohio), the slug for the story's town, and the last segment is the story's id.
    url = (
        "https://www.daytondailynews.com/local/lebanon-to-consider-installing-camera-network/"
        "W7RT3O3XYVFVZNMO3XEMNKRJJ4/"
    )
    text = "Council is ready to move forward on the downtown security camera project."
    assert [(p["city"], p["id"]) for p in extract_places(text, url, language="en")] == [
        ("Lebanon", "geonames/4516412")
    ]


@pytest.mark.parametrize(
    ("url", "text", "language", "expected"),
    [
        # Made up in the shapes of an Italian local network's and an English paper's hosts:
        # the town before the outlet's brand is its home, the story's when no other is named.
        ("https://www.molfettaviva.it/notizie/nuove-telecamere-in-villa/",
         "Il sindaco ha annunciato il collaudo di dieci telecamere nella villa comunale.", "it",
         [("Molfetta", "IT")]),
        ("https://www.liverpoolecho.co.uk/news/cameras-go-up-in-the-park/",
         "The council has put up six new cameras in the park.", "en",
         [("Liverpool", "GB")]),
        ("https://www.brivemag.fr/le-csu-ouvre-ses-portes/",
         "Le centre de supervision urbain ouvre ses portes au public samedi.", "fr",
         [("Brive-la-Gaillarde", "FR")]),
    ],
)  # fmt: skip
def test_an_outlets_brand_after_its_home_town_leaves_the_town(url, text, language, expected):
    assert cities(text, url, language) == expected


@pytest.mark.parametrize(
    ("text", "language", "recalled"),
    [
        ("Après les attentats de Paris et Nice, Granville installe six caméras.", "fr",
         ["Paris", "Nice"]),
        ("Nach den Anschlägen von Berlin stellt Wernau vier Kameras auf.", "de", ["Berlin"]),
        ("Tras los atentados de Barcelona, Cambrils instalará diez cámaras.", "es",
         ["Barcelona"]),
    ],
)  # fmt: skip
def test_a_town_an_attack_is_recalled_by_is_not_the_storys(text, language, recalled):
    for name in recalled:
        assert _not_a_place(name, text, text.index(name))
    assert not {name for name, _ in cities(text, language=language)} & set(recalled)


def test_a_towns_short_form_is_that_town_even_where_a_namesake_of_it_lies_abroad():
    # Made up in a Spanish local paper's shape: the headline's "Arroyo" is Arroyo de la
    # Encomienda, not Arroyo, Puerto Rico.
    text = (
        "Arroyo instalará cámaras en sus vías públicas\n"
        "El pleno del Ayuntamiento de Arroyo de la Encomienda aprobó la instalación de cámaras."
    )
    assert cities(text, language="es") == [("Arroyo de la Encomienda", "ES")]


def test_a_town_given_as_a_reference_point_is_not_the_storys():
    # france3-regions.francetvinfo.fr, "Vidéosurveillance : pourquoi de petites communes
    # normandes s'équipent de caméras".
    text = (
        "La commune de Saint-Sauveur-le-Vicomte est nichée au coeur du Cotentin, à une trentaine "
        "de kilomètres de Cherbourg."
    )
    assert _not_a_place("Cherbourg", text, text.index("Cherbourg"))
    assert not _not_a_place("Saint-Sauveur-le-Vicomte", text, text.index("Saint-Sauveur"))
    assert cities(text, language="fr") == [("Saint-Sauveur-le-Vicomte", "FR")]


def test_a_municipality_word_opening_a_compound_names_no_town():
    # Made up in a regional paper's URL shape: "city" opens the compound "city council", and
    # Council, Idaho (800 people) is no town the story names; after "city of" the name is the
    # city's.
    text = "The Finance Committee deferred the contract for the readers on Monday."
    slug = "defers-vote-on-license-plate-readers/W7RT3O3XYVFVZNMO3XEMNKRJJ4/"
    outlet = "https://www.daytondailynews.com/local/"
    assert cities(text, f"{outlet}city-council-{slug}", "en") == [("Dayton", "US")]
    assert cities(text, f"{outlet}city-of-kettering-{slug}", "en") == [("Kettering", "US")]


def test_a_legistar_clients_host_names_its_town_and_state():
    # Made up in Legistar's shape: the client's host is "<town>-<state>"; the page names only
    # "City Council".
    text = "Consider approval of an ordinance amending the budget for drone equipment."
    url = "https://greenville-sc.legistar.com/LegislationDetail.aspx?ID=123&GUID=ABC"
    assert [p["id"] for p in extract_places(text, url)] == ["geonames/4580543"]


def test_a_state_in_the_urls_path_places_the_towns_namesake():
    # Made up: the path files the story under Merced County, California; Livingston alone is
    # Scotland's larger town.
    text = "The Livingston City Council voted to expand the license-plate readers."
    url = "https://news.example.com/articles/1/Livingston-City/Merced-County/California/slug"
    assert [p["id"] for p in extract_places(text, url, language="en")] == ["geonames/5367427"]


def test_a_us_towns_namesakes_keep_it_in_the_us_where_the_money_is_dollars():
    # Made up: Brighton is a town of several US states and England's larger town; the council
    # spends dollars, so it is a US Brighton, which one unknown.
    text = "Brighton City Council has approved up to $30,000 for security cameras downtown."
    assert extract_places(text, "https://www.example.com/news/1", language="en") == [
        {"city": "Brighton", "country": "US", "id": None}
    ]
    # Pounds make it England's.
    pounds = "Brighton City Council has approved £30,000 for security cameras downtown."
    assert cities(pounds, "https://www.example.com/news/1", "en") == [("Brighton", "GB")]


def test_a_polish_text_without_a_declared_language_is_read_in_polish():
    # Made up in a Polish civic-budget site's shape: the host names Kraśnik, the text's words
    # say it is Polish.
    text = "Instalacja kamer przy placu zabaw, które będą podpięte do sieci, już w tym roku."
    assert text_language(text) == "pl"
    assert cities(text, "https://krasnik.budzet-obywatelski.org/projekt/1", "pl") == [
        ("Kraśnik", "PL")
    ]


@pytest.mark.parametrize(
    ("text", "language", "not_place"),
    [
        # A street named after a town: "via Narni" in Terni.
        ("Le telecamere saranno in via Narni, all'ingresso di Terni.", "it", "Narni"),
        ("Kamera stanie przy ul. Krakowskiej w Tarnowie.", "pl", "Krakowskiej"),
        # Both ends of "between X and Y" are reference points.
        ("De gemeenten liggen geklemd tussen Amsterdam en Utrecht.", "nl", "Utrecht"),
        ("De gemeenten liggen geklemd tussen Amsterdam en Utrecht.", "nl", "Amsterdam"),
        # A neighbouring town is the contractor's, not the story's.
        ("Zlecenie wykona firma z sąsiedniego Świdnika.", "pl", "Świdnika"),
        # A street's name ends with its street word.
        ("Cameras will go up in Long Street and Church Street.", "en", "Church Street"),
        # An office's subject: health, security.
        ("Uma câmera fica no prédio da Secretaria da Saúde.", "pt", "Saúde"),
        ("La Secretaría de Seguridad instalará 20 cámaras.", "es", "Seguridad"),
    ],
)
def test_streets_ends_and_neighbours_are_not_the_storys_town(text, language, not_place):
    assert _not_a_place(not_place, text, text.index(not_place))


@pytest.mark.parametrize(
    ("text", "place_id"),
    [
        # Taipei County became New Taipei (新北市) in 2010.
        ("臺北縣警察局今天表示,全縣監錄系統已完成建置。", "geonames/12908892"),
        ("台北县政府宣布扩建监控系统。", "geonames/12908892"),
        # Taiwan writes 臺 for 台: 臺中市 is Taichung.
        ("臺中市政府今天宣布增設路口監視器。", "geonames/1668399"),
        # Cities the gazetteer knows only by their full names: Taoyuan, Hualien City.
        ("桃園市每年新建天羅地網監視器約100支。", "geonames/6696918"),
        ("花蓮市公所將增設路口監視器。", "geonames/1674504"),
    ],
)
def test_taiwans_former_counties_and_its_two_spellings_of_tai(text, place_id):
    assert [p["id"] for p in extract_places(text, language="zh")] == [place_id]


def test_a_traditional_script_site_is_not_placed_in_a_mainland_village():
    # Made up: a Taiwanese blog named for Penghu; the mainland's village of Penghu (no
    # population in the gazetteer) is no town a Traditional-script story means.
    text = "縣府表示,全縣已建置監視器五百九十七支,守護鄉親安全。"
    assert cities(text, "https://penghudaily.blogspot.com/2019/11/blog-post_1.html", "zh") == []


def test_an_italian_dateline_in_capitals_runs_into_the_first_sentence():
    # Made up in La Nazione's shape: "SPELLO È …", the town (8,000 people) in the URL too.
    text = "SPELLO È partito il cantiere per le nuove telecamere del territorio comunale."
    url = "https://www.lanazione.it/umbria/cronaca/a-spello-abc12345"
    assert cities(text, url, "it") == [("Spello", "IT")]


def test_a_section_named_for_a_town_comes_before_the_outlets_home():
    # Made up in a provincial daily's shape: the outlet is named for Latina ("latinaoggi"), the
    # section for the story's town.
    text = "Il progetto per la videosorveglianza c'è, ma mancano i pareri."
    url = "https://www.latinaoggi.eu/news/fondi/30656/videosorveglianza-il-progetto.html"
    assert cities(text, url, "it") == [("Fondi", "IT")]


def test_a_town_news_blog_and_a_legistar_host_place_the_story():
    # "<town>informa": a town's news blog.
    text = "Stanno per partire i lavori per le telecamere ai varchi del Comune."
    assert cities(text, "https://camogliinforma.wordpress.com/2018/06/30/varchi/", "it") == [
        ("Camogli", "IT")
    ]
    # A Legistar client's host is a US local government's.
    agenda = "Approve the purchase of license plate readers for the Police Department."
    url = "https://fresno.legistar.com/LegislationDetail.aspx?ID=1"
    assert cities(agenda, url, "en") == [("Fresno", "US")]


def test_other_users_of_the_product_are_not_the_storys_towns():
    text = "Hamilton will buy the readers, also used by Cincinnati and Dayton police."
    assert _not_a_place("Cincinnati", text, text.index("Cincinnati"))
    assert _not_a_place("Dayton", text, text.index("Dayton"))
    assert not _not_a_place("Hamilton", text, 0)


def test_a_bylines_city_gives_way_to_the_place_the_story_names():
    # Made up in a Taiwanese paper's shape: the reporter files from Taipei about Tainan.
    text = "記者王小明/台北報導\n臺南市政府今天宣布,將在路口增設監視器。"
    assert [p["id"] for p in extract_places(text, language="zh")] == ["geonames/1668355"]
    alone = "記者王小明/台北報導\n市府今天宣布,將在路口增設監視器。"
    assert [p["id"] for p in extract_places(alone, language="zh")] == ["geonames/1668341"]
