"""Counts with what they count and their status (registry/normalise/quantities.py)."""

from __future__ import annotations

import pytest

from registry.normalise.quantities import extract_quantities, parse_count, quantity_candidates
from tests.conftest import FIXTURES


def counts(text, language):
    return [(q["count"], q["of"]) for q in extract_quantities(text, language)]


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        # A bare number that adds to the count before it counts the same thing.
        ("Na rynku działa 12 kamer, kolejne 8 obserwuje parking przy dworcu.", "pl",
         [(12, "cameras"), (8, "cameras")]),
        ("Am Rathaus hängen 6 Kameras, weitere 4 kommen an den Bahnhof.", "de",
         [(6, "cameras"), (4, "cameras")]),
        ("Sono attive 15 telecamere in piazza e altre 5 lungo il lungolago.", "it",
         [(15, "cameras"), (5, "cameras")]),
        # "N more" adds to the cameras counted before it, not to their sites.
        ("The county runs 60 cameras at 12 intersections and wants 40 more next year.", "en",
         [(60, "cameras"), (12, "sites"), (40, "cameras")]),
        # A Chinese count with its counter and no noun counts what the one before it counted.
        ("该镇去年有120个监控探头，今年增加到300个，覆盖全部村庄。", "zh",
         [(120, "cameras"), (300, "cameras")]),
        ("今年对45个公共场所的监控设备进行了更换。", "zh", [(45, "sites")]),
    ],
)  # fmt: skip
def test_a_count_without_its_noun_counts_what_the_count_before_it_counted(text, language, expected):
    assert counts(text, language) == expected


@pytest.mark.parametrize(
    ("text", "language"),
    [
        # A breakdown of a count is not a count of its own, nor the numbers after it.
        ("Se colocarán doce cámaras, nueve de ellas en el casco antiguo y otras tres en el "
         "polígono.", "es"),
        ("A cidade terá doze câmeras, nove delas nas escolas.", "pt"),
        # An amount or a share after the word is not a count.
        ("Es gibt zwölf Kameras; weitere 20 % der Kosten trägt das Land.", "de"),
    ],
)  # fmt: skip
def test_a_share_or_an_amount_is_not_a_count(text, language):
    assert counts(text, language) == [(12, "cameras")]


def test_a_chinese_count_is_approximate_only_with_its_markers():
    found = extract_quantities("县城新装摄像头200个，另有约50个监控点位在建。", "zh")
    assert [(q["count"], q["approximate"]) for q in found] == [(200, False), (50, True)]


def statuses(text, language):
    return [(q["count"], q["status"]) for q in extract_quantities(text, language)]


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        # The counts of a list share the status of the one that opens it.
        ("Serão instaladas 30 câmeras: 10 câmeras fixas, 12 câmeras com giro e 8 câmeras de "
         "leitura de placas.", "pt",
         [(30, "planned"), (10, "planned"), (12, "planned"), (8, "planned")]),
        ("该区将新建高清摄像头500个和治安卡口20处。", "zh", [(500, "planned"), (20, "planned")]),
        # A count with its own cue keeps it; one after a sentence end is not in the list.
        ("La commune installera 12 caméras, 20 caméras sont déjà en service.", "fr",
         [(12, "planned"), (20, "installed")]),
        ("The city will buy 15 cameras. 40 cameras watch the downtown today.", "en",
         [(15, "planned"), (40, "installed")]),
        # Portuguese "é" (is) is not the conjunction "e" that ends a count's clause.
        ("O plano é ampliar a rede para 60 câmeras no centro.", "pt", [(60, "planned")]),
        # A verb ending after a conjunction belongs to the next clause, not to this count.
        ("El pueblo tiene 12 cámaras y pondrá 6 más en verano.", "es",
         [(12, "installed"), (6, "planned")]),
        # "ir" with a participle is a Spanish future.
        ("El consistorio compró 6 cámaras que irán colocadas en los accesos.", "es",
         [(6, "planned")]),
    ],
)  # fmt: skip
def test_status_of_listed_counts_and_of_each_languages_future(text, language, expected):
    assert statuses(text, language) == expected


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        # A proposal, a target, a plan that foresees, an authorisation, an approval and a
        # future passive each tell of cameras not yet in place.
        ("La propuesta incluye la colocación de 14 cámaras en el centro.", "es", [(14, "planned")]),
        ("A cidade quer chegar à meta de 80 câmeras até 2027.", "pt", [(80, "planned")]),
        ("Le projet a pour objectif 25 caméras dans le bourg.", "fr", [(25, "planned")]),
        ("O plano contempla 32 câmeras nos bairros.", "pt", [(32, "planned")]),
        ("El alcalde autoriza el uso de 8 cámaras portátiles en las fiestas.", "es",
         [(8, "planned")]),
        ("Die Gemeinde lässt am Bahnhof 3 Kameras installieren.", "de", [(3, "planned")]),
        ("Der Gemeinderat hat 5 Kameras für den Marktplatz genehmigt.", "de", [(5, "planned")]),
        ("Four cameras to be installed on Long Street.", "en", [(4, "planned")]),
        # Past tense and no such cue: installed.
        ("Este verano se colocaron 20 cámaras en el centro.", "es", [(20, "installed")]),
    ],
)  # fmt: skip
def test_proposals_targets_authorisations_and_approvals_are_plans(text, language, expected):
    assert statuses(text, language) == expected


def test_a_bulleted_list_shares_the_cue_of_the_line_that_opens_it():
    text = (
        "El plan municipal prevé:\n"
        "- la colocación de 10 cámaras en el casco histórico;\n"
        "- 4 cámaras en el polígono industrial.\n"
        "Hoy funcionan 25 cámaras en el municipio."
    )
    assert statuses(text, "es") == [(10, "planned"), (4, "planned"), (25, "installed")]


def test_an_infinitive_of_installing_or_buying_is_a_plan():
    # tests/fixtures/articles/eguizhou_hisense_guiyang-skynet-cameras-2017.txt
    text = (
        "Guiyang signed a deal with Hisense on Dec 28 to install a further 10,000 high "
        "definition security cameras in the Guizhou province capital."
    )
    assert [(q["count"], q["status"]) for q in extract_quantities(text, "en")] == [
        (10000, "planned")
    ]


def test_a_headlines_count_takes_the_status_the_story_gives_it():
    # Made up in a municipal page's shape: the headline states the count without a verb.
    text = (
        "145 caméras opérationnelles\n"
        "Après la mise en service aux services techniques, ce sont 145 caméras qui seront "
        "opérationnelles."
    )
    assert [(q["count"], q["status"]) for q in extract_quantities(text, "fr")] == [(145, "planned")]


def test_a_dutch_or_german_number_written_as_one_word():
    # politie.nl, 2018-07-03, "1200 extra ogen in 1 dag".
    text = "In een dag bijna twaalfhonderd extra camera’s, waarover de politie kan beschikken."
    assert [q["count"] for q in extract_quantities(text, "nl")] == [1200]


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        # Made up in a Dutch police report's shape: the modifier glued to the noun.
        ("Langs de snelwegen hangen 120 politiecamera's met kentekenherkenning.", "nl",
         [(120, "cameras")]),
        # Made up in a German council report's shape: the head of a compound is its last part.
        ("Am Bahnhof sind drei Kamera-Standorte vorgesehen.", "de", [(3, "sites")]),
    ],
)  # fmt: skip
def test_a_dutch_or_german_compound_counts_its_last_part(text, language, expected):
    assert counts(text, language) == expected


def test_an_item_of_a_chinese_enumeration_names_its_own_thing():
    # Made up in a county's safe-city progress report's shape (前端点位、报警点、中心、卡口系统).
    text = (
        "该县建设任务为：前端监控点300个、报警点40个、县级监控中心1个、"
        "乡镇监控中心6个和治安卡口系统4个。"
    )
    assert counts(text, "zh") == [(300, "sites")]


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        # Made up in a Mexican city's announcement shape: the purchase names no noun again.
        ("Hoy hay 400 cámaras y se analiza la compra de 150 adicionales.", "es",
         [(400, "cameras"), (150, "cameras")]),
        # Made up in a French town's page shape: the older cameras without their noun.
        ("20 nouvelles caméras ont été posées, complétant les 12 déjà en place.", "fr",
         [(20, "cameras"), (12, "cameras")]),
        # Made up in a Chinese police procurement's shape: bullet and face-capture cameras.
        ("将在小区建设安装车辆识别枪机30台，人脸采集设备60台。", "zh",
         [(30, "cameras"), (60, "cameras")]),
    ],
)  # fmt: skip
def test_counts_whose_noun_is_left_out_or_named_by_its_kind(text, language, expected):
    assert counts(text, language) == expected


def test_words_describing_the_counted_things_state_their_status():
    # Made up in a French city's news shape: the clause's verb is the new cameras' future.
    text = "Ces nouveaux équipements s'ajouteront aux 120 caméras fixes existantes."
    assert [(q["count"], q["status"]) for q in extract_quantities(text, "fr")] == [
        (120, "installed")
    ]


def counted(text, language):
    return [(q["count"], q["of"], q["status"]) for q in extract_quantities(text, language)]


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        # Digits and a scale word: Spanish and Portuguese "mil", Italian "mila", Polish
        # "tysiące".
        ("La ciudad tendrá 58 mil cámaras nuevas.", "es", [(58_000, "cameras", "planned")]),
        ("O estado instalou 12 mil câmeras.", "pt", [(12_000, "cameras", "installed")]),
        ("In città ci sono 2,5 mila telecamere.", "it", [(2_500, "cameras", "installed")]),
        ("Miasto ma 3 tysiące kamer.", "pl", [(3_000, "cameras", "installed")]),
        # Mexican papers write the thousands as a word and the rest in digits.
        ("El municipio colocará mil 200 cámaras.", "es", [(1_200, "cameras", "planned")]),
        ("Operan ya 3 mil 450 cámaras en la capital.", "es", [(3_450, "cameras", "installed")]),
        # A Skynet channel (路) is a camera.
        ("在已建成的3000路高清“天網”基礎上擴建。", "zh", [(3_000, "cameras", "installed")]),
    ],
)
def test_counts_in_digits_and_a_scale_word_or_a_chinese_channel(text, language, expected):
    assert counted(text, language) == expected


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Instalacja monitoringu (4-5 kamer obrotowych) przy placu.", "pl"),
        ("Cada municipio recibirá cuatro o cinco cámaras.", "es"),
        ("Chaque quartier aura 3 ou 4 caméras.", "fr"),
        ("Er komen 4 of 5 camera's bij het station.", "nl"),
    ],
)
def test_a_range_is_no_count(text, language):
    assert counted(text, language) == []


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        # Work in progress, and an award of the work, state cameras still to come.
        (
            "È in fase di installazione il nuovo sistema: 12 telecamere in centro.",
            "it",
            [(12, "cameras", "planned")],
        ),
        (
            "Un affidamento da 9 mila euro per l'installazione di sei telecamere.",
            "it",
            [(6, "cameras", "planned")],
        ),
        (
            "A prefeitura está instalando mais 6 câmeras na praça.",
            "pt",
            [(6, "cameras", "planned")],
        ),
        (
            "Está em andamento a instalação de 12 câmeras no centro.",
            "pt",
            [(12, "cameras", "planned")],
        ),
        (
            "Todo está listo para iniciar la instalación de 40 cámaras.",
            "es",
            [(40, "cameras", "planned")],
        ),
    ],
)
def test_work_in_progress_states_planned_cameras(text, language, expected):
    assert counted(text, language) == expected


def test_a_chinese_count_of_places_counts_places_not_the_cameras_before_it():
    text = "路口建置監視器320具,另接收社區8處、52具鏡頭。"
    assert counted(text, "zh") == [
        (320, "cameras", "installed"),
        (8, "sites", "installed"),
        (52, "cameras", "installed"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Taiwan's word for a video camera, with a myriad written among digits.
        ("目前共建置2萬2248支攝影機,其中具車牌辨識功能的攝影機有1萬4014支。",
         [(22248, "cameras", "installed"), (14014, "cameras", "installed")]),
        # The "electronic eye" of everyday speech is a street camera.
        ("城区已有电子眼748个。", [(748, "cameras", "installed")]),
    ],
)  # fmt: skip
def test_everyday_chinese_words_for_a_camera_count_cameras(text, expected):
    assert counted(text, "zh") == expected


def test_the_italian_future_singular_and_a_breve_state_planned_cameras():
    text = "Il progetto, con 12 telecamere nuove, a breve permetterà di controllare gli accessi."
    assert counted(text, "it") == [(12, "cameras", "planned")]


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        # The existing ones are counted without their noun.
        (
            "Sept caméras s'ajouteront aux onze déjà existantes.",
            "fr",
            [(7, "cameras", "planned"), (11, "cameras", "installed")],
        ),
        (
            "Las 12 cámaras nuevas se suman a las 40 ya instaladas.",
            "es",
            [(12, "cameras", "installed"), (40, "cameras", "installed")],
        ),
        # A decision, a vote or a conditional states cameras still to come.
        (
            "O valor poderia chegar a R$ 2 milhões, para a colocação de 30 câmeras.",
            "pt",
            [(30, "cameras", "planned")],
        ),
        (
            "Le conseil a voté l'acquisition de douze caméras mobiles.",
            "fr",
            [(12, "cameras", "planned")],
        ),
        (
            "The council approved the purchase of 14 cameras for the park.",
            "en",
            [(14, "cameras", "planned")],
        ),
        # "würden" folds to "wurden": no conditional is read for it.
        (
            "Am Montag wurden die ersten vier Kameras angebracht.",
            "de",
            [(4, "cameras", "installed")],
        ),
    ],
)
def test_existing_cameras_without_their_noun_and_decisions_to_buy(text, language, expected):
    assert counted(text, language) == expected


@pytest.mark.parametrize(
    ("text", "language", "count"),
    [
        ("Se instalarán quinientas cámaras nuevas.", "es", 500),
        ("La red suma veinticinco cámaras.", "es", 25),
        ("A cidade tem trezentas câmeras.", "pt", 300),
        ("In centro ci sono ventotto telecamere.", "it", 28),
        ("Sono attive sessantotto telecamere.", "it", 68),
        ("Il comune ha installato ventitré telecamere.", "it", 23),
        ("In piazza ci sono trentatré telecamere.", "it", 33),
        ("Rozpoczął się montaż pięciu kamer.", "pl", 5),
        ("Miasto ma dwieście kamer.", "pl", 200),
        ("La ville compte deux cents caméras.", "fr", 200),
    ],
)
def test_number_words_of_each_language(text, language, count):
    assert [c for c, *_ in counted(text, language)] == [count]


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        # A thousand multiplies the number before it, not the one after.
        ("deux mille trois cents", 2300), ("mille deux cents", 1200), ("tremilacinquecento", 3500),
        ("two thousand five hundred", 2500), ("dos mil", 2000),
        # French counts from sixty in twenties.
        ("quatre-vingts", 80), ("quatre-vingt-dix", 90), ("quatre-vingt-dix-neuf", 99),
        ("soixante-dix-sept", 77), ("cent quatre-vingts", 180), ("deux cent quatre-vingt", 280),
        # A dozen multiplies too.
        ("zwei Dutzend", 24), ("ein Dutzend", 12), ("two dozen", 24),
    ],
)  # fmt: skip
def test_number_words_that_multiply(raw, value):
    assert parse_count(raw) == value


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("La ville compte quatre-vingts caméras.", "fr", [(80, "cameras")]),
        ("Le réseau compte quatre-vingt-dix caméras.", "fr", [(90, "cameras")]),
        ("La ville a cent quatre-vingts caméras.", "fr", [(180, "cameras")]),
        ("Sono previste tremilacinquecento telecamere.", "it", [(3500, "cameras")]),
        ("Am Bahnhof hängen zwei Dutzend Kameras.", "de", [(24, "cameras")]),
    ],
)  # fmt: skip
def test_a_count_in_number_words_that_multiply(text, language, expected):
    assert counts(text, language) == expected


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("ciento veinte", 120), ("doscientas", 200), ("mil quinientas", 1500), ("duzentas", 200),
        ("trentacinque", 35), ("centoventi", 120), ("trente-cinq", 35), ("soixante-dix", 70),
        ("deux cents", 200), ("fünfunddreißig", 35), ("zweihundertfünfzig", 250),
        ("dreiundzwanzig", 23), ("vijfendertig", 35), ("tweeëntwintig", 22),
        ("twaalfhonderd", 1200), ("trzydzieści pięć", 35), ("dwieście pięćdziesiąt", 250),
        ("dwa tysiące", 2000), ("thirty-five", 35), ("two hundred", 200), ("sessantotto", 68),
        ("ventitré", 23), ("un millier", 1000), ("una veintena", 20), ("een twintigtal", 20),
        ("1.130", 1130), ("58 mil", 58_000), ("2,5 mila", 2500), ("两千", 2000),
        ("2萬3608", 23_608),
    ],
)  # fmt: skip
def test_number_words_digits_and_chinese_numerals(raw, value):
    assert parse_count(raw) == value


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        # Tens and units, hundreds and tens, thousands and hundreds.
        ("treinta y cinco", 35), ("doscientas cincuenta y dos", 252), ("trinta e cinco", 35),
        ("cento e vinte", 120), ("mil e duzentas", 1200), ("two hundred and fifty", 250),
        ("one hundred and twenty", 120), ("soixante et onze", 71), ("vingt et une", 21),
        ("vingt-et-un", 21), ("cento e vinte e cinco", 125), ("vinte e dois mil", 22_000),
        ("mil y una", 1001),
    ],
)  # fmt: skip
def test_number_words_joined_apart(raw, value):
    assert parse_count(raw) == value


@pytest.mark.parametrize("raw", ["dos y tres", "veinte y treinta", "fifty and five hundred"])
def test_a_joiner_before_a_number_no_smaller_joins_nothing(raw):
    assert parse_count(raw) is None


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Se instalarán treinta y cinco cámaras.", "es", [(35, "cameras")]),
        ("El plan suma doscientas cincuenta y dos cámaras.", "es", [(252, "cameras")]),
        ("A prefeitura terá trinta e cinco câmeras.", "pt", [(35, "cameras")]),
        ("O centro recebe cento e vinte câmeras.", "pt", [(120, "cameras")]),
        ("A cidade instalou mil e duzentas câmeras.", "pt", [(1200, "cameras")]),
        ("The county runs two hundred and fifty cameras.", "en", [(250, "cameras")]),
        ("The city bought one hundred and twenty cameras.", "en", [(120, "cameras")]),
        ("La commune compte soixante et onze caméras.", "fr", [(71, "cameras")]),
        ("Le quartier a vingt et une caméras.", "fr", [(21, "cameras")]),
        # Lists and ranges are not joined: "y" joins a number to a smaller one after it.
        ("Se instalarán cinco cámaras y dos drones.", "es", [(5, "cameras"), (2, "drones")]),
        ("Habrá entre veinte y treinta cámaras.", "es", [(30, "cameras")]),
        ("The plan has between fifty and five hundred cameras.", "en", [(500, "cameras")]),
    ],
)  # fmt: skip
def test_a_count_in_number_words_joined_apart(text, language, expected):
    assert counts(text, language) == expected


def test_a_count_joined_apart_takes_the_status_before_its_first_word():
    # "y" ends a clause: read as "cinco cámaras", the count lost the "instalarán" before it.
    assert statuses("Se instalarán treinta y cinco cámaras.", "es") == [(35, "planned")]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Los 14 municipios del estado contarán con cámaras este año.", "es"),
        ("Serão instalados 10 postes com câmeras.", "pt"),
        ("Die 3 Masten mit Kameras stehen am Bahnhof.", "de"),
    ],
)
def test_what_has_the_cameras_is_counted_not_the_cameras(text, language):
    assert counted(text, language) == []


def test_a_candidate_keeps_every_mention_of_its_count_and_whether_a_cue_gave_its_status():
    cibolo = (FIXTURES / "articles" / "citizenportal_cibolo-tx_flock-alpr-purchase.txt").read_text()
    (count,) = quantity_candidates(cibolo, "en")
    assert [cibolo[start:end] for start, end in count.spans] == [
        "41 Flock Safety Falcon automated license plate recognition (ALPR) cameras",
        "41 Flock Safety cameras",
    ]
    assert (count.count, count.of, count.status, count.cued) == (41, "cameras", "installed", False)
    # "Déjà équipée de 28 caméras": a cue states the status.
    montgeron = (FIXTURES / "articles" / "fr_montgeron_extension-videoprotection.txt").read_text()
    (count,) = quantity_candidates(montgeron, "fr")
    assert (count.count, count.status, count.cued) == (28, "installed", True)
    assert extract_quantities(montgeron, "fr") == [
        {"count": 28, "of": "cameras", "status": "installed", "approximate": False}
    ]


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        # The near future (aller, gaan, going to + infinitive), "soon" and a headline's
        # "arrive" state cameras still to come.
        ("La mairie va poser 8 caméras au stade.", "fr", [(8, "cameras", "planned")]),
        ("Douze caméras vont équiper le parc.", "fr", [(12, "cameras", "planned")]),
        ("Cinq caméras arrivent au marché", "fr", [(5, "cameras", "planned")]),
        ("De gemeente gaat 6 camera's plaatsen bij de kerk.", "nl", [(6, "cameras", "planned")]),
        ("The town is going to add 9 cameras downtown.", "en", [(9, "cameras", "planned")]),
        ("Wkrótce pojawi się 7 kamer na rynku.", "pl", [(7, "cameras", "planned")]),
        # A budget set aside in Chinese (編列) is for cameras still to come.
        ("縣府編列預算新建置120支監視器。", "zh", [(120, "cameras", "planned")]),
        # Already in place stays installed.
        ("La ville compte aujourd'hui 30 caméras.", "fr", [(30, "cameras", "installed")]),
    ],
)  # fmt: skip
def test_the_near_future_and_soon_state_planned_cameras(text, language, expected):
    assert counted(text, language) == expected


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        # The places a count of cameras goes to share its status.
        ("Se instalarán 50 cámaras de seguridad en 12 puntos de la ciudad.", "es",
         [(50, "cameras", "planned"), (12, "sites", "planned")]),
        ("Dix caméras vont être posées sur 6 lieux de la commune.", "fr",
         [(10, "cameras", "planned"), (6, "sites", "planned")]),
        ("An sieben Standorten hängen heute 14 Kameras.", "de",
         [(7, "sites", "installed"), (14, "cameras", "installed")]),
        # A dome is a camera.
        ("Elles s'ajoutent aux sept dômes déjà en place.", "fr", [(7, "cameras", "installed")]),
    ],
)  # fmt: skip
def test_the_places_of_a_count_of_cameras_share_its_status(text, language, expected):
    assert counted(text, language) == expected
