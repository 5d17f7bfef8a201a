"""Technology classification: CPV evidence, multilingual keywords, near misses."""

from __future__ import annotations

import gzip
import re
import sys
from collections import defaultdict
from functools import cache

import pytest

from registry.normalise import technologies
from registry.normalise.technologies import MAX_TEXT, classify, fold_text, load_taxonomy
from tests.conftest import FIXTURES, ROOT, SNAPSHOT

TAXONOMY = {
    "cctv", "video_analytics", "face_recognition", "biometrics", "alpr", "traffic_enforcement",
    "drones", "body_worn", "gunshot_detection", "cell_site_simulator", "predictive_policing",
    "command_center", "safe_city", "social_media_monitoring", "camera_registry", "access_control",
}  # fmt: skip


def ids(cpv: list[str], text: str, language: str | None = None, threshold: float = 0.5) -> set:
    return {tech for tech, confidence in classify(cpv, text, language) if confidence >= threshold}


def test_taxonomy_has_the_sixteen_ids_with_sourced_cpv_and_eu_languages() -> None:
    taxonomy = load_taxonomy()
    assert {t["id"] for t in taxonomy} == TAXONOMY
    cctv = next(t for t in taxonomy if t["id"] == "cctv")
    assert {"32323500", "35125300", "32235000", "32234000", "92222000"} <= {
        c["code"] for c in cctv["cpv"]
    }
    eu = "bg cs da de el en es et fi fr ga hr hu it lt lv mt nl pl pt ro sk sl sv".split()
    assert {*eu, "zh"} <= set(cctv["keywords"])
    for tech in taxonomy:
        assert tech["label"] and tech["description"]
        for rule in tech["cpv"]:
            assert len(rule["code"]) == 8 and 0 < rule["weight"] <= 1


@pytest.mark.parametrize(
    ("cpv", "tech"),
    [
        (["32323500-0"], "cctv"),
        (["35125300"], "cctv"),
        (["32235000"], "cctv"),
        (["92222000-5"], "cctv"),
        (["35125110"], "biometrics"),
        (["34971000"], "traffic_enforcement"),
        (["35613000"], "drones"),
        (["42961000"], "command_center"),
        (["42961100"], "access_control"),
    ],
)
def test_cpv_codes_alone_are_strong_evidence(cpv: list[str], tech: str) -> None:
    result = classify(cpv, "")
    assert result[0][0] == tech and result[0][1] >= 0.8


def test_speed_camera_cpv_is_not_alpr() -> None:
    assert ids(["34971000"], "Supply of speed cameras") == {"traffic_enforcement"}


def test_generic_security_cpv_needs_a_keyword() -> None:
    assert ids(["35120000"], "Signálno-bezpečnostná technika") == set()
    assert ids(["35120000"], "Door access and CCTV control") == {"cctv", "access_control"}


@pytest.mark.parametrize(
    ("text", "language", "tech"),
    [
        ("Sistema di videosorveglianza comunale", "it", "cctv"),
        ("Erweiterung der Videoüberwachungsanlage am Bahnhof", "de", "cctv"),
        ("Installation d'un système de vidéosurveillance urbaine", "fr", "cctv"),
        ("Rozbudowa systemu monitoringu wizyjnego miasta", "pl", "cctv"),
        ("Dostawa urządzeń do rozbudowy perymetrycznego systemu nadzoru wizyjnego", "pl", "cctv"),
        ("Modernizace městského kamerového systému", "cs", "cctv"),
        ("Система за видеонаблюдение", "bg", "cctv"),
        ("Σύστημα βιντεοπαρακολούθησης", "el", "cctv"),
        ("Kameraövervakning av torget", "sv", "cctv"),
        ("Videovalvontajärjestelmä", "fi", "cctv"),
        ("Sistem video de supraveghere", "ro", "cctv"),
        ("Sistema ta' sorveljanza bil-video", "mt", "cctv"),
        ("平安城市视频监控系统建设项目", "zh", "cctv"),
        ("Gesichtserkennung am Südkreuz", "de", "face_recognition"),
        ("Système de reconnaissance faciale", "fr", "face_recognition"),
        ("System rozpoznawania twarzy", "pl", "face_recognition"),
        ("人脸识别门禁", "zh", "face_recognition"),
        ("Automatische Kennzeichenerkennung auf der Autobahn", "de", "alpr"),
        ("Déploiement de caméras LAPI", "fr", "alpr"),
        ("ANPR-Static Camera Support, Maintenance and Connectivity", "en", "alpr"),
        ("Flock Safety Falcon automated license plate recognition (ALPR) cameras", "en", "alpr"),
        ("车牌识别系统", "zh", "alpr"),
        ("Body Worn Video Cameras for DVSA", "en", "body_worn"),
        ("Achat de caméras piétons pour la police municipale", "fr", "body_worn"),
        ("ShotSpotter gunshot detection technology", "en", "gunshot_detection"),
        ("Beschaffung von Drohnen für die Polizei", "de", "drones"),
        ("Zakup dronów dla straży miejskiej", "pl", "drones"),
        ("无人机巡逻", "zh", "drones"),
        ("Zutrittskontrollsystem für das Rathaus", "de", "access_control"),
        ("Real Time Crime Center integration", "en", "command_center"),
        ("Cameras linked to the Police CCTV control station", "en", "command_center"),
        ("Upgrade of the town's CCTV monitoring centre", "en", "command_center"),
        ("Huawei Safe City solution", "en", "safe_city"),
        ("IMSI catcher for the police", "en", "cell_site_simulator"),
        ("PredPol predictive policing pilot", "en", "predictive_policing"),
        ("Social media monitoring tool for the council", "en", "social_media_monitoring"),
        ("Private camera registry for residents and businesses", "en", "camera_registry"),
        ("Fingerprint and iris recognition kiosks", "en", "biometrics"),
        ("BriefCam video analytics", "en", "video_analytics"),
    ],
)
def test_keywords_in_every_language(text: str, language: str, tech: str) -> None:
    assert tech in ids([], text, language)
    assert tech in ids([], text)  # without a language every language's terms apply


def test_keywords_in_the_title_weigh_more_than_in_the_body() -> None:
    filler = "Lorem ipsum dolor sit amet. " * 10
    in_title = dict(classify([], "CCTV upgrade. " + filler))["cctv"]
    in_body = dict(classify([], "Upgrade. " + filler + "CCTV"))["cctv"]
    assert in_title > in_body >= 0.5


@pytest.mark.parametrize(
    ("cpv", "text"),
    [
        # lecture video platform (University of Dundee)
        (
            ["48000000"],
            "Video Management System. The University require a Video Management "
            "System including off-premise storage for use across all Schools; lecture capture.",
        ),
        # guard services (797xxxxx)
        (["79713000"], "Wachschutz PV-Parks Gottesgabe und Alttrebbin"),
        (["79710000"], "Security Services Delegation to Tanzania. Provision of security guards."),
        # door entry alone
        (["45000000"], "Replacement of the door entry intercom at Sumner House"),
        # lab and heritage cameras
        (["38000000"], "High-speed camera for the fluid dynamics laboratory"),
        (
            ["30000000"],
            "Workstation, Digital camera, Software. Digital Camera for imaging of "
            "heritage material",
        ),
        (
            ["90700000"],
            "Analysis of seabed imagery (still images and video) collected from a "
            "drop frame camera",
        ),
        # unmanned ground vehicles are not drones
        (["35400000"], "Acquisition de 8 Mini Engineer Unmanned Ground Vehicles"),
        # IT access control is not physical access control
        (["72000000"], "Identity and access management with role-based access control"),
    ],
)
def test_near_misses_stay_out(cpv: list[str], text: str) -> None:
    assert ids(cpv, text) == set()


def test_cctv_listed_inside_a_concierge_contract_stays_below_threshold() -> None:
    text = (
        "VIVID - Contract Provision For Building Security and Concierge Services. There are a "
        "number of services provided which are service charged, including CCTV, door entry "
        "system, concierge service, cleaning, and grounds maintenance."
    )
    assert ids(["35120000"], text) == set()


def test_speed_cameras_are_not_alpr() -> None:
    assert ids([], "Installation of average speed cameras and red light cameras") == {
        "traffic_enforcement"
    }


def test_negated_keywords_do_not_count() -> None:
    text = (
        "Flock Safety LPR cameras capture license plates, but they do not utilize facial "
        "recognition software. The system does not perform facial recognition."
    )
    assert ids([], text) == {"alpr"}
    assert ids([], "The existing system has no CCTV capability.") == set()
    assert "cctv" in ids([], "Contract No. 12345 for CCTV maintenance")


@pytest.mark.parametrize(
    ("text", "language", "tech"),
    [
        # Made up in the shape of Italian town news: plate reading named in full.
        ("Telecamere in grado di fare la lettura automatica della targa dei veicoli.", "it",
         "alpr"),
        ("Il controllo delle targhe è il pilastro del sistema.", "it", "alpr"),
        ("Verrà allestita una nuova sala di regia presso il comando.", "it", "command_center"),
        # Made up in a Chinese police procurement's shape.
        ("建设安装车辆识别枪机30台", "zh", "alpr"),
        # Made up in the shape of Spanish and Chinese town news: plate readers, OCR cameras and
        # the control rooms the images go to; a Taiwanese county's 天眼 network.
        ("El Ayuntamiento instalará cámaras lectoras de matrículas en la avenida.", "es",
         "alpr"),
        ("Se colocarán cámaras OCR en los accesos del municipio.", "es", "alpr"),
        ("Las imágenes llegarán a la nueva sala de control de la Policía Local.", "es",
         "command_center"),
        ("镇平安建设监控中心已投入使用", "zh", "command_center"),
        ("影像傳回警察局勤指中心", "zh", "command_center"),
        ("縣府持續擴建天眼防衛網", "zh", "safe_city"),
    ],
)  # fmt: skip
def test_keywords_written_out(text: str, language: str, tech: str) -> None:
    assert tech in ids([], text, language)


def test_an_option_not_taken_up_is_no_technology() -> None:
    # Made up in the shape of a council story on a plate-reader contract.
    text = 'The contract had options for "face recognition." The city could add face recognition.'
    assert "face_recognition" not in ids([], text, "en")


def test_results_are_sorted_and_bounded() -> None:
    result = classify(
        ["32323500"], "Videosorveglianza e lettura targhe con riconoscimento facciale"
    )
    assert [t for t, _ in result][:1] == ["cctv"]
    assert all(0 < c <= 1 for _, c in result)
    assert [c for _, c in result] == sorted((c for _, c in result), reverse=True)


def test_bad_input_is_empty_not_an_error() -> None:
    assert classify([], "") == []
    assert classify(["not a code", None], None) == []  # type: ignore[list-item, arg-type]
    assert classify([], "CCTV " * 100_000)[0][0] == "cctv"


def test_unknown_language_falls_back_to_all_languages() -> None:
    assert "cctv" in ids([], "Videoüberwachung", "xx")
    assert "cctv" in ids([], "Videoüberwachung", "DEU")


def test_weak_camera_words_count_for_cctv_only_in_a_related_story() -> None:
    assert "cctv" in ids([], "Safe City project: a surveillance system with cameras downtown")
    assert "cctv" not in ids([], "ALPR project: a surveillance system with cameras downtown")
    assert "cctv" not in ids([], "A surveillance system with cameras downtown")


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        # Titles of real Chinese tender files (Inupedia/tender-extract @ 7726ef13, examples/; the
        # first is tests/fixtures/pdf/hefei-psb-yaohai_xueliang_page-3.pdf, see its README).
        ("合肥市公安局瑶海分局雪亮工程支网一期、二期、三期运维服务采购项目", {"cctv", "safe_city"}),
        ("人口管理特保（2026）", set()),  # special security guards, not technology
        ("宝鸡文理学院2025年纸质图书采购项目", set()),
        ("上海大学单一来源数据库访问采购", set()),
    ],
)
def test_chinese_tender_titles(title, expected):
    assert {tech for tech, _ in classify([], title, "zh")} == expected


def test_guard_staff_in_chinese_scale_camera_words_down():
    guards = classify([], "特保人员服务采购。特保人员负责巡查监控摄像头画面", "zh")
    cameras = classify([], "视频监控系统采购。负责巡查监控摄像头画面", "zh")
    assert dict(guards).get("cctv", 0) < dict(cameras)["cctv"]


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Body-worn  video/CCTV_upgrade", "body worn video cctv upgrade"),
        (
            "Vidéoprotection – caméras\u2011piétons\u2014lot 2",
            "videoprotection cameras pietons lot 2",
        ),
        ("  Überwachung\u2019s\tKameras\n", "uberwachung's kameras"),
        ("视频监控—系统", "视频监控 系统"),
    ],
)
def test_fold_text_folds_case_accents_and_separators(text: str, folded: str) -> None:
    assert fold_text(text) == folded


def _alternation(terms: list[str], bounded: dict[str, bool] | None) -> str:
    """Terms longest first, grouped by first character; a word (not a prefix) ends at a word
    boundary when ``bounded`` says so."""
    groups: dict[str, list[str]] = defaultdict(list)
    for term in sorted(terms, key=lambda t: (-len(t), t)):
        end = "" if bounded is None or bounded[term] else r"(?!\w)"
        groups[term[0]].append(re.escape(term[1:]) + end)
    return "|".join(f"{re.escape(c)}(?:{'|'.join(rest)})" for c, rest in sorted(groups.items()))


@cache
def _oracle(language: str | None) -> tuple[re.Pattern[str], re.Pattern[str] | None]:
    """The keyword scan as regular expressions: the longest term at each start, left to right."""
    _, bounded, cjk = technologies._terms_of(language)
    words = re.compile(rf"(?<!\w)(?:{_alternation(list(bounded), bounded)})")
    return words, re.compile(_alternation(cjk, None)) if cjk else None


@cache
def _texts() -> tuple[str, ...]:
    """Every recorded document (fixtures and demo snapshot) in paragraphs, and the benchmark's
    synthetic notices, folded as classify reads them."""
    sys.path.insert(0, str(ROOT))
    from benchmarks.bench_build import TITLES, templates

    texts = []
    for path in sorted([*FIXTURES.rglob("*"), *SNAPSHOT.rglob("*")]):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        texts.extend(data.decode("utf-8", "replace").split("\n\n"))
    for item in templates():
        description = item.get("description") or ""
        texts.extend(f"{title} 7\n{description}" for title in [item.get("title"), *TITLES])
    return tuple(fold_text(text[:MAX_TEXT]) for text in texts if text.strip())


@pytest.mark.parametrize("language", [None, *sorted({*load_taxonomy()[0]["keywords"]} - {"any"})])
def test_keyword_scan_finds_what_the_regular_expression_finds(language: str | None) -> None:
    matcher = technologies._matcher(language)
    words, cjk = _oracle(language)
    for folded in _texts():
        assert technologies._bounded_matches(matcher, folded) == [
            (m.group(), m.start()) for m in words.finditer(folded)
        ], folded[:200]
        if cjk is not None and matcher.cjk is not None:
            found = matcher.cjk.find_matches_as_indexes(folded)
            assert [(matcher.cjk_terms[i], s) for i, s, _ in found] == [
                (m.group(), m.start()) for m in cjk.finditer(folded)
            ], folded[:200]


@pytest.mark.parametrize(
    ("text", "language", "tech"),
    [
        # Mexico names its command centres by their functions' initials (C2 to C5).
        ("Las cámaras de los comercios se conectarán al C5 de la ciudad.", "es", "command_center"),
        (
            "Las imágenes llegan al Centro de Comando y Control C-4 del estado.",
            "es",
            "command_center",
        ),
        ("旅客抬头进行脸部识别后即可通过。", "zh", "face_recognition"),
        ("La stazione ha la lettura in tempo reale della targa dei veicoli.", "it", "alpr"),
        # Taiwan's word for CCTV: 監錄 (監視錄影).
        ("縣府整合全縣監錄系統,路口監錄器逾千支。", "zh", "cctv"),
        # Polish "monitoring" of a town: its CCTV.
        ("Miasto przeznaczy na rozbudowę systemu monitoringu 150 tys. zł.", "pl", "cctv"),
    ],
)
def test_language_habits_naming_a_technology(text: str, language: str, tech: str) -> None:
    assert tech in ids([], text, language)


def test_a_car_model_named_c5_is_no_command_centre() -> None:
    assert "command_center" not in ids([], "He drove a Citroën C5 to the meeting.", "en")
