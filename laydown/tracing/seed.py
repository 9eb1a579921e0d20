"""The reference vocabulary: makes, models and calibres common among the weapons handed in in the
region (mostly of Soviet and Warsaw Pact design, some of Chinese, Yugoslav and NATO design), each
with the other spellings clerks type for it (Latin and Cyrillic).

Compiled by the Laydown developers from the usual designations in open sources: the UN Register
of Conventional Arms and IDDRS 4.10 categories, Small Arms Survey publications on weapons
identification, Conflict Armament Research's public reports, and the C.I.P./SAAMI cartridge
designations. It is a starting point, not an authority: a programme manager approves what
clerks propose, and merges other spellings into these terms (`tracing.term_decided`).
"""

from __future__ import annotations

SOURCE = (
    "Laydown reference list (laydown/tracing/seed.py), compiled from open sources: UN Register "
    "and IDDRS 4.10 categories, Small Arms Survey weapons identification publications, "
    "Conflict Armament Research public reports, C.I.P./SAAMI cartridge designations"
)

MAKE, MODEL, CALIBRE = "make", "model", "calibre"

# ruff: noqa: E501  (one term per line reads better than wrapped lists)
TERMS: list[tuple[str, str, list[str]]] = [
    # makes
    (MAKE, "Kalashnikov Concern (Izhmash)", ["Izhmash", "Kalashnikov", "Kalashnikov Concern", "Ижмаш", "Izhevsk Machine-Building Plant"]),
    (MAKE, "Tula Arms Plant", ["TOZ", "Tulsky Oruzheiny Zavod", "Тульский оружейный завод"]),
    (MAKE, "Molot (Vyatskiye Polyany)", ["Molot", "VPMZ", "Вятскополянский машиностроительный завод"]),
    (MAKE, "Degtyaryov Plant (ZiD, Kovrov)", ["ZiD", "Degtyarev Plant", "Kovrov", "Завод им. Дегтярёва"]),
    (MAKE, "Izhevsk Mechanical Plant (Baikal)", ["IMZ", "Baikal", "Ижевский механический завод"]),
    (MAKE, "Norinco", ["China North Industries", "China North Industries Corporation"]),
    (MAKE, "Zastava Arms", ["Zastava", "Crvena Zastava"]),
    (MAKE, "Cugir (Uzina Mecanica Cugir)", ["Cugir", "UM Cugir"]),
    (MAKE, "Arsenal (Kazanlak)", ["Arsenal", "Arsenal AD", "Arsenal JSCo"]),
    (MAKE, "FEG", ["Fegyver- és Gépgyár"]),
    (MAKE, "Fabryka Broni (Radom)", ["Radom", "Fabryka Broni Łucznik", "Lucznik"]),
    (MAKE, "Česká zbrojovka", ["CZ", "Ceska zbrojovka", "CZUB"]),
    (MAKE, "Heckler & Koch", ["H&K", "HK"]),
    (MAKE, "FN Herstal", ["FN", "Fabrique Nationale"]),
    (MAKE, "Colt", ["Colt's Manufacturing", "Colt's Manufacturing Company"]),
    (MAKE, "MKE (Makina ve Kimya Endüstrisi)", ["MKE", "MKEK"]),
    (MAKE, "Israel Weapon Industries", ["IWI", "IMI"]),
    # models
    (MODEL, "AK-47", ["AK47", "АК-47", "Kalashnikov AK-47", "Kalashnikov AK47"]),
    (MODEL, "AKM", ["АКМ", "Kalashnikov AKM"]),
    (MODEL, "AKMS", ["АКМС"]),
    (MODEL, "AK-74", ["AK74", "АК-74"]),
    (MODEL, "AKS-74", ["AKS74", "АКС-74"]),
    (MODEL, "AKS-74U", ["AKS74U", "АКС-74У", "Krinkov"]),
    (MODEL, "AK-74M", ["AK74M", "АК-74М"]),
    (MODEL, "Type 56", ["Type-56", "T56"]),
    (MODEL, "M70", ["Zastava M70", "M70AB2"]),
    (MODEL, "PM (Makarov)", ["PM", "Makarov", "Makarov PM", "ПМ"]),
    (MODEL, "TT-33 (Tokarev)", ["TT-33", "TT", "Tokarev", "ТТ"]),
    (MODEL, "APS (Stechkin)", ["APS", "Stechkin", "АПС"]),
    (MODEL, "SKS", ["SKS-45", "Simonov SKS", "СКС"]),
    (MODEL, "Mosin-Nagant M1891/30", ["Mosin-Nagant", "Mosin", "Мосин"]),
    (MODEL, "SVD (Dragunov)", ["SVD", "Dragunov", "СВД"]),
    (MODEL, "RPK", ["РПК"]),
    (MODEL, "RPK-74", ["RPK74", "РПК-74"]),
    (MODEL, "PK", ["ПК"]),
    (MODEL, "PKM", ["ПКМ"]),
    (MODEL, "RPD", ["РПД"]),
    (MODEL, "DShK", ["DShKM", "ДШК"]),
    (MODEL, "NSV", ["NSV Utyos", "НСВ"]),
    (MODEL, "KPV", ["KPVT", "КПВ"]),
    (MODEL, "RPG-7", ["RPG7", "РПГ-7"]),
    (MODEL, "RPG-22", ["RPG22", "РПГ-22"]),
    (MODEL, "RPG-26", ["RPG26", "РПГ-26"]),
    (MODEL, "GP-25", ["ГП-25"]),
    (MODEL, "GP-30", ["ГП-30"]),
    (MODEL, "AGS-17", ["AGS17", "АГС-17", "Plamya"]),
    (MODEL, "SPG-9", ["SPG9", "СПГ-9"]),
    (MODEL, "M16A1", ["M16"]),
    (MODEL, "M4", ["M4A1"]),
    # calibres
    (CALIBRE, "7.62×39mm", ["7.62x39", "7.62x39mm", "7.62 M43"]),
    (CALIBRE, "5.45×39mm", ["5.45x39", "5.45x39mm"]),
    (CALIBRE, "7.62×54mmR", ["7.62x54R", "7.62x54", "7.62x54mmR"]),
    (CALIBRE, "9×18mm Makarov", ["9x18", "9x18mm", "9mm Makarov"]),
    (CALIBRE, "7.62×25mm Tokarev", ["7.62x25", "7.62x25mm", "7.62 Tokarev"]),
    (CALIBRE, "9×19mm Parabellum", ["9x19", "9x19mm", "9mm Luger", "9mm NATO"]),
    (CALIBRE, "5.56×45mm NATO", ["5.56x45", "5.56x45mm", "5.56 NATO"]),
    (CALIBRE, "12.7×108mm", ["12.7x108", "12.7x108mm"]),
    (CALIBRE, "14.5×114mm", ["14.5x114", "14.5x114mm"]),
    (CALIBRE, "40mm (RPG-7 rounds)", ["PG-7", "PG-7V"]),
    (CALIBRE, "40mm (VOG-25)", ["VOG-25", "ВОГ-25"]),
    (CALIBRE, "30×29mm (VOG-17)", ["VOG-17", "30x29", "30x29mm"]),
    (CALIBRE, "73mm (SPG-9)", ["73mm", "PG-9"]),
    (CALIBRE, "82mm (mortar)", ["82mm", "82 mm"]),
    (CALIBRE, "120mm (mortar)", ["120mm", "120 mm"]),
    (CALIBRE, "12 gauge", ["12ga", "12/70", "12 калибр"]),
]  # fmt: skip
