"""Column suggestions from names and sample values."""

from __future__ import annotations

import hashlib

import pytest

from amc_normalize import SUPPORTED_COUNTRIES, NormalizationConfigError, PiiType, suggest_pii_types
from amc_normalize.suggest import country_column_candidates


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        ("e_mail", PiiType.EMAIL),
        ("Email Address", PiiType.EMAIL),
        ("zipcode", PiiType.ZIP),
        ("postcode", PiiType.ZIP),
        ("Postal-Code", PiiType.ZIP),
        ("mobile", PiiType.PHONE),
        ("fname", PiiType.FIRST_NAME),
        ("surname", PiiType.LAST_NAME),
        ("street", PiiType.ADDRESS),
        ("billing_city", PiiType.CITY),
        ("province", PiiType.STATE),
        ("customer_email", PiiType.EMAIL),
        ("customerEmail", PiiType.EMAIL),
        ("billing_zip", PiiType.ZIP),
        ("zip_code_5", PiiType.ZIP),
        ("Shipping Address", PiiType.ADDRESS),
        ("Vorname", PiiType.FIRST_NAME),
        ("Straße", PiiType.ADDRESS),
        ("PLZ", PiiType.ZIP),
        ("code_postal", PiiType.ZIP),
        ("teléfono", PiiType.PHONE),
        ("cognome", PiiType.LAST_NAME),
    ],
)
def test_names(column: str, expected: PiiType) -> None:
    s = suggest_pii_types([column], {column: []})[column]
    assert s.pii_type is expected
    assert 0.5 <= s.confidence <= 1.0


@pytest.mark.parametrize(
    ("column", "values"),
    [
        ("customer_id", ["CUS00001", "CUS00002", "CUS00003", "CUS00004"]),
        ("orderId", ["10001", "10002", "10003", "10004"]),
        ("order_number", ["2065550114", "2065550115", "2065550116", "2065550117"]),
    ],
)
def test_identifier_columns_are_not_pii_by_their_values(column: str, values: list[str]) -> None:
    s = suggest_pii_types([column], {column: values}, "US")[column]
    assert s.pii_type is None
    assert s.confidence == 0.0


def test_values_decide_when_names_say_nothing() -> None:
    samples = {
        "c1": ["john@example.com", "jane.doe@example.org", "x@example.net", None],
        "c2": ["(571) 412-0599", "+1 202 555 0101", "212-555-0199", "2065550114"],
        "c3": ["75236", "10001-1234", "02134", "98101"],
        "c4": ["12.50", "3.00", "7.25", "1.00"],
        "c5": ["Texas", "NY", "California", "wa"],
    }
    result = suggest_pii_types(list(samples), samples, "US")
    assert result["c1"].pii_type is PiiType.EMAIL
    assert result["c2"].pii_type is PiiType.PHONE
    assert result["c3"].pii_type is PiiType.ZIP
    assert result["c4"].pii_type is None
    assert result["c5"].pii_type is PiiType.STATE
    for s in result.values():
        assert "@" not in s.reason and "555" not in s.reason  # no values in reasons


def test_name_and_values_agreeing_raise_confidence() -> None:
    values = ["a@b.co", "c@d.co"]
    both = suggest_pii_types(["email"], {"email": values})["email"]
    name_only = suggest_pii_types(["email"], {"email": []})["email"]
    assert both.pii_type is PiiType.EMAIL and both.confidence > name_only.confidence


def test_prehashed_columns_rely_on_the_name() -> None:
    digest = hashlib.sha256(b"x").hexdigest()
    result = suggest_pii_types(["email", "h"], {"email": [digest], "h": [digest]})
    assert result["email"].pii_type is PiiType.EMAIL
    assert result["h"].pii_type is None


def test_unknown_country() -> None:
    with pytest.raises(NormalizationConfigError):
        suggest_pii_types(["zip"], {}, "XX")


@pytest.mark.parametrize("column", ["last_login", "mailing_opt_in", "region_id", "first_seen", "order_total"])
def test_generic_words_inside_other_names_are_not_pii(column: str) -> None:
    assert suggest_pii_types([column], {column: ["2024-01-01", "x"]})[column].pii_type is None


def test_values_that_do_not_fit_the_name_lower_confidence() -> None:
    good = suggest_pii_types(["zip"], {"zip": ["75236", "10001"]}, "US")["zip"]
    bad = suggest_pii_types(["zip"], {"zip": ["n/a", "unknown"]}, "US")["zip"]
    assert good.pii_type is bad.pii_type is PiiType.ZIP
    assert good.confidence >= 0.9 > 0.5 > bad.confidence


DATES = ["2024-02-15", "2023-11-03", "2024-01-20", "2022-07-09", "2024-03-31"]
TIMESTAMPS = [
    "2024-02-15T10:11:12Z",
    "2024-02-15 08:00:00",
    "2023-12-31 23:59:59",
    "2024-01-01T00:00:00+01:00",
]
AMOUNTS = ["120.50", "19.99", "1200.00", "75.10", "12500.00"]
AMOUNTS_EN = ["1,250.00", "12,999.99", "10,000.00", "45,120.50"]
AMOUNTS_EU = ["1.250,00", "12.999,99", "49,90", "45.120,50"]
QUANTITIES = ["12", "3", "40", "1", "250"]
FIVE_DIGIT_INTS = ["12500", "99000", "10200", "45120", "30301"]
TEN_DIGIT_INTS = ["1712345678", "2065550114", "5714120599", "3125550100"]

# header x sample values x country -> expected suggestion (None: no PII). Real-world headers of the nine
# countries' files: EN (US, GB, IN), DE, FR (FR, CA), ES, IT, JA, HI.
HEADER_TABLE: list[tuple[str, str, list[str], PiiType | None]] = [
    # US
    ("US", "email", ["john@example.com", "jane@example.org"], PiiType.EMAIL),
    ("US", "phone", ["(571) 412-0599", "+1 202 555 0101", "212-555-0199"], PiiType.PHONE),
    ("US", "phone", TEN_DIGIT_INTS, PiiType.PHONE),
    ("US", "zip", ["75236", "10001", "98101", "30301"], PiiType.ZIP),
    ("US", "zip_code", ["75236-9599", "02134", "10001"], PiiType.ZIP),
    ("US", "state", ["Texas", "NY", "California", "wa"], PiiType.STATE),
    ("US", "first_name", ["John", "Mary"], PiiType.FIRST_NAME),
    ("US", "signup_date", DATES, None),
    ("US", "created_at", TIMESTAMPS, None),
    ("US", "amount", AMOUNTS, None),
    ("US", "amount", AMOUNTS_EN, None),
    ("US", "order_total", FIVE_DIGIT_INTS, None),
    ("US", "quantity", QUANTITIES, None),
    ("US", "customer_id", FIVE_DIGIT_INTS, None),
    ("US", "order_number", TEN_DIGIT_INTS, None),
    ("US", "col7", FIVE_DIGIT_INTS, None),
    ("US", "col8", TEN_DIGIT_INTS, None),
    # GB
    ("GB", "Postcode", ["SW1A 1AA", "M1 1AE", "B33 8TH", "EC1A 1BB"], PiiType.ZIP),
    ("GB", "Mobile", ["07700 900123", "+44 7700 900456", "020 7946 0958"], PiiType.PHONE),
    ("GB", "Forename", ["Oliver", "Amelia"], PiiType.FIRST_NAME),
    ("GB", "Surname", ["Smith", "Jones"], PiiType.LAST_NAME),
    ("GB", "Address Line 1", ["10 Downing Street", "221B Baker Street"], PiiType.ADDRESS),
    ("GB", "Town", ["London", "Leeds"], PiiType.CITY),
    ("GB", "Date of Birth", ["15/02/1985", "3/11/1990", "28/07/1979"], None),
    ("GB", "Order Value", AMOUNTS, None),
    ("GB", "Quantity", QUANTITIES, None),
    ("GB", "Customer ID", FIVE_DIGIT_INTS, None),
    # DE
    ("DE", "E-Mail", ["max@example.de", "erika@example.de"], PiiType.EMAIL),
    ("DE", "Telefonnummer", ["+49 30 1234567", "030 1234567", "0151 23456789"], PiiType.PHONE),
    ("DE", "Handynummer", ["0151 23456789", "0170 1234567", "+49 160 9876543"], PiiType.PHONE),
    ("DE", "PLZ", ["10115", "80331", "01067", "20095"], PiiType.ZIP),
    ("DE", "PLZ", ["10115", "80331", "50667", "20095"], PiiType.ZIP),
    ("DE", "Vorname", ["Max", "Erika"], PiiType.FIRST_NAME),
    ("DE", "Nachname", ["Mustermann", "Müller"], PiiType.LAST_NAME),
    ("DE", "Straße", ["Hauptstraße 5", "Berliner Allee 12a"], PiiType.ADDRESS),
    ("DE", "Ort", ["Berlin", "München"], PiiType.CITY),
    ("DE", "Bundesland", ["Bayern", "Berlin", "Hessen", "Sachsen"], PiiType.STATE),
    ("DE", "Anmeldedatum", DATES, None),
    ("DE", "Erstellt am", TIMESTAMPS, None),
    ("DE", "Betrag", AMOUNTS_EU, None),
    ("DE", "Umsatz", AMOUNTS, None),
    ("DE", "Menge", QUANTITIES, None),
    ("DE", "Kundennummer", FIVE_DIGIT_INTS, None),
    ("DE", "Bestellnummer", TEN_DIGIT_INTS, None),
    # FR
    ("FR", "Courriel", ["marie@example.fr", "jean@example.fr"], PiiType.EMAIL),
    ("FR", "Téléphone", ["01 23 45 67 89", "+33 6 12 34 56 78", "06 12 34 56 78"], PiiType.PHONE),
    ("FR", "Code postal", ["75001", "69002", "13001", "06000"], PiiType.ZIP),
    ("FR", "Prénom", ["Marie", "Jean"], PiiType.FIRST_NAME),
    ("FR", "Nom", ["Dupont", "Martin"], PiiType.LAST_NAME),
    ("FR", "Adresse", ["12 rue de la Paix", "5 avenue Foch"], PiiType.ADDRESS),
    ("FR", "Ville", ["Paris", "Lyon"], PiiType.CITY),
    ("FR", "Date d'inscription", DATES, None),
    ("FR", "Montant", AMOUNTS_EU, None),
    ("FR", "Quantité", QUANTITIES, None),
    ("FR", "Numéro client", FIVE_DIGIT_INTS, None),
    # ES
    ("ES", "Correo electrónico", ["ana@example.es", "luis@example.es"], PiiType.EMAIL),
    ("ES", "Teléfono", ["+34 612 345 678", "912 345 678", "612345678"], PiiType.PHONE),
    ("ES", "Móvil", ["612 345 678", "+34 699 123 456"], PiiType.PHONE),
    ("ES", "Código Postal", ["28001", "08001", "41001", "46001"], PiiType.ZIP),
    ("ES", "Nombre", ["Ana", "Luis"], PiiType.FIRST_NAME),
    ("ES", "Apellidos", ["García López", "Martínez"], PiiType.LAST_NAME),
    ("ES", "Dirección", ["Calle Mayor 10", "Avenida de la Constitución 3"], PiiType.ADDRESS),
    ("ES", "Ciudad", ["Madrid", "Sevilla"], PiiType.CITY),
    ("ES", "Fecha de alta", DATES, None),
    ("ES", "Importe", AMOUNTS_EU, None),
    ("ES", "Cantidad", QUANTITIES, None),
    ("ES", "Nº pedido", FIVE_DIGIT_INTS, None),
    # IT
    ("IT", "Email", ["mario@example.it", "giulia@example.it"], PiiType.EMAIL),
    ("IT", "Cellulare", ["+39 312 345 6789", "347 123 4567", "06 1234 5678"], PiiType.PHONE),
    ("IT", "CAP", ["00184", "20121", "80133", "10121"], PiiType.ZIP),
    ("IT", "Nome", ["Mario", "Giulia"], PiiType.FIRST_NAME),
    ("IT", "Cognome", ["Rossi", "Bianchi"], PiiType.LAST_NAME),
    ("IT", "Indirizzo", ["Via Roma 1", "Corso Italia 22"], PiiType.ADDRESS),
    ("IT", "Città", ["Roma", "Milano"], PiiType.CITY),
    ("IT", "Data iscrizione", DATES, None),
    ("IT", "Importo", AMOUNTS_EU, None),
    ("IT", "Quantità", QUANTITIES, None),
    ("IT", "Codice cliente", FIVE_DIGIT_INTS, None),
    # JP
    ("JP", "メールアドレス", ["taro@example.jp", "hanako@example.jp"], PiiType.EMAIL),
    ("JP", "電話番号", ["090-1234-5678", "03-1234-5678", "+81 90 1234 5678"], PiiType.PHONE),
    ("JP", "郵便番号", ["100-0001", "150-0002", "530-0001"], PiiType.ZIP),
    ("JP", "郵便番号", ["1000001", "1500002", "5300001"], PiiType.ZIP),
    ("JP", "名", ["太郎", "花子"], PiiType.FIRST_NAME),
    ("JP", "姓", ["山田", "佐藤"], PiiType.LAST_NAME),
    ("JP", "氏名", ["山田 太郎", "佐藤 花子"], PiiType.NAME),
    ("JP", "住所", ["千代田区千代田1-1", "渋谷区神宮前1-2-3"], PiiType.ADDRESS),
    ("JP", "市区町村", ["千代田区", "大阪市"], PiiType.CITY),
    ("JP", "登録日", DATES, None),
    ("JP", "購入日時", TIMESTAMPS, None),
    ("JP", "金額", AMOUNTS, None),
    ("JP", "数量", QUANTITIES, None),
    ("JP", "顧客ID", ["1000001", "1500002", "5300001"], None),
    # IN (English and Hindi headers)
    ("IN", "mobile_no", ["9876543210", "9123456789", "8012345678"], PiiType.PHONE),
    ("IN", "contact_no", ["+91 98765 43210", "+91 91234 56789"], PiiType.PHONE),
    ("IN", "pincode", ["110001", "400001", "560001"], PiiType.ZIP),
    ("IN", "customer_name", ["Rahul Sharma", "Priya Patel"], PiiType.NAME),
    ("IN", "dob", ["15/08/1990", "26/01/1985"], None),
    ("IN", "txn_amount", AMOUNTS, None),
    ("IN", "qty", QUANTITIES, None),
    ("IN", "order_id", ["110001", "400001", "560001"], None),
    ("IN", "col3", ["110001", "400001", "560001"], None),
    ("IN", "ईमेल", ["rahul@example.in", "priya@example.in"], PiiType.EMAIL),
    ("IN", "मोबाइल नंबर", ["98765 43210", "+91 91234 56789"], PiiType.PHONE),
    ("IN", "पिन कोड", ["110001", "400001", "560001"], PiiType.ZIP),
    ("IN", "नाम", ["राहुल शर्मा", "प्रिया पटेल"], PiiType.NAME),
    ("IN", "शहर", ["दिल्ली", "मुंबई"], PiiType.CITY),
    ("IN", "पता", ["12 MG Road", "45 Park Street"], PiiType.ADDRESS),
    ("IN", "राशि", AMOUNTS, None),
    ("IN", "तारीख", DATES, None),
    # CA (English and French headers)
    ("CA", "postal_code", ["K1A 0B1", "M5V 3L9", "H2X 1Y4"], PiiType.ZIP),
    ("CA", "code_postal", ["K1A 0B1", "H2X 1Y4"], PiiType.ZIP),
    ("CA", "phone", ["(416) 555-0199", "+1 514 555 0123", "604-555-0147"], PiiType.PHONE),
    ("CA", "Téléphone", ["514 555 0123", "+1 418 555 0199"], PiiType.PHONE),
    ("CA", "province", ["Ontario", "QC", "British Columbia", "AB"], PiiType.STATE),
    ("CA", "Prénom", ["Émilie", "Jean-François"], PiiType.FIRST_NAME),
    ("CA", "ville", ["Montréal", "Québec"], PiiType.CITY),
    ("CA", "date_inscription", DATES, None),
    ("CA", "montant", AMOUNTS, None),
    ("CA", "quantité", QUANTITIES, None),
    ("CA", "no_client", FIVE_DIGIT_INTS, None),
]


@pytest.mark.parametrize(("country", "column", "values", "expected"), HEADER_TABLE)
def test_real_world_headers(country: str, column: str, values: list[str], expected: PiiType | None) -> None:
    s = suggest_pii_types([column], {column: values}, country)[column]
    if expected is None:
        assert s.pii_type is None or s.confidence < 0.5, s
    else:
        assert s.pii_type is expected, s
        assert s.confidence >= 0.5, s


@pytest.mark.parametrize("country", sorted(SUPPORTED_COUNTRIES))
@pytest.mark.parametrize(
    "values",
    [DATES, TIMESTAMPS, AMOUNTS, AMOUNTS_EN, AMOUNTS_EU, QUANTITIES, FIVE_DIGIT_INTS, TEN_DIGIT_INTS],
)
def test_values_alone_never_make_numbers_or_dates_a_zip_or_phone(country: str, values: list[str]) -> None:
    for column in ("c", "value", "signup_date", "amount"):
        assert suggest_pii_types([column], {column: values}, country)[column].pii_type is None


def test_the_reason_says_why() -> None:
    samples = {"signup_date": DATES, "zip": ["75236", "10001"], "c3": ["75236", "02134", "98101"]}
    result = suggest_pii_types(list(samples), samples, "US")
    assert "date values" in result["signup_date"].reason
    assert result["zip"].reason == "column name and values agree: 100% pass the US ZIP rule"
    assert result["c3"].reason == "values look like ZIP: 100% pass the US ZIP rule"


def test_a_zip_named_column_of_dates_is_no_confident_zip() -> None:
    s = suggest_pii_types(["zip"], {"zip": DATES}, "US")["zip"]
    assert s.confidence < 0.5
    assert "0% of values fit ZIP (date values)" in s.reason


def test_per_row_countries_decide_each_rows_rule() -> None:
    values = ["75236", "10115", "SW1A 1AA", "100-0001", "K1A 0B1", "110001"]
    countries = ["US", "DE", "GB", "JP", "CA", "IN"]
    s = suggest_pii_types(["c"], {"c": values}, "US", row_countries=countries)["c"]
    assert s.pii_type is PiiType.ZIP
    assert s.reason == "values look like ZIP: 100% pass the ZIP rule of each row's country"
    # With the US rules alone these are mostly not postcodes.
    assert suggest_pii_types(["c"], {"c": values}, "US")["c"].pii_type is None
    phones = ["+49 30 1234567", "030 1234567", "(571) 412-0599", None]
    mixed = suggest_pii_types(["c"], {"c": phones}, row_countries=["DE", "DE", "US", "FR"])["c"]
    assert mixed.pii_type is PiiType.PHONE


def test_rows_of_unknown_country_only_pass_phones_in_plus_form() -> None:
    phones = ["+49 30 1234567", "030 1234567", "+1 571 412 0599", "0151 23456789"]
    unknown: list[str | None] = [None, "XX", None, None]
    s = suggest_pii_types(["c"], {"c": phones}, row_countries=unknown)["c"]
    assert s.pii_type is None
    s = suggest_pii_types(["c"], {"c": phones[:1] + phones[2:3]}, row_countries=[None, None])["c"]
    assert s.pii_type is PiiType.PHONE


def test_row_countries_must_match_the_sample() -> None:
    with pytest.raises(ValueError, match="one country per sampled row"):
        suggest_pii_types(["c"], {"c": ["1", "2"]}, row_countries=["US"])


def test_country_column_candidates() -> None:
    samples = {
        "Land": ["DE", "AT"],
        "c": ["Deutschland", "United States", "FRA", " us "],
        "state": ["CA", "DE", "IN", "NY"],
        "city": ["Berlin", "Paris"],
    }
    assert country_column_candidates(list(samples), samples) == ["Land", "c"]
    assert country_column_candidates(["country_code", "国"]) == ["country_code", "国"]
