"""What AMC checks on request bodies: pure functions over parsed JSON, no I/O.

Every rule names its source in the spec (`docs/amc-api.md`, sections B and C). The functions take
the raw JSON the client sent (never the client's models: the sandbox checks the wire format on its own)
and return the normalized record the sandbox stores, or raise `SandboxApiError` (HTTP 400) listing every
problem found.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final, get_args

from amc_client.dataset import COUNTRY_CODE_PATTERN, DATASET_ID_PATTERN
from amc_client.models import (
    MAX_DELETION_IDENTITIES,
    ColumnType,
    CompressionFormat,
    ConsentType,
    DataType,
    ExternalIdentityType,
    HashedPiiType,
    Period,
    UpdateStrategy,
    UploadStatus,
)
from amc_sandbox.errors import SandboxApiError, bad_request


def _values(members: Any) -> frozenset[str]:
    """Plain strings (not enum members): the error messages list them with `sorted(...)`."""
    return frozenset(str(m) for m in members)


DATASET_ID_RE: Final = DATASET_ID_PATTERN  # spec B.5 (reference UI regex)
COUNTRY_RE: Final = (
    COUNTRY_CODE_PATTERN  # any ISO-3166 alpha-2 shape: AMC does not limit countries (B.9, C.3)
)
HEX64_PATTERN: Final = "^[0-9a-f]{64}$"  # a SHA-256 hex digest: hashed PII (C.1, B.13)
HEX64_RE: Final = re.compile(HEX64_PATTERN)
# C.3: the CMK must be a multi-region key (`mrk-` key ids); stricter than the client's pre-check.
KMS_ARN_RE: Final = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/mrk-[0-9a-f]{32}$")
BUCKET_RE: Final = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")

DATA_TYPES: Final = _values(DataType)  # C.1
COLUMN_TYPES: Final = _values(ColumnType)  # C.1
PERIODS: Final = _values(Period)  # C.3
HASHED_PII_TYPES: Final = _values(HashedPiiType)  # C.1
EXTERNAL_IDENTITY_TYPES: Final = _values(ExternalIdentityType)  # C.1
CONSENT_TYPES: Final = _values(ConsentType)  # C.1
UPDATE_STRATEGIES: Final = _values(UpdateStrategy)  # B.9
COMPRESSION_FORMATS: Final = _values(get_args(CompressionFormat))  # B.9
# B.9; amc_client.models spells this Literal inline (UploadFileFormat.json_data_format), not as a name.
JSON_FORMATS: Final = frozenset({"LINES", "DOCUMENT"})
CSV_FORMAT_KEYS: Final = frozenset(
    {"fieldDelimiter", "recordDelimiter", "quoteCharacter", "quoteEscapeCharacter", "commentCharacter"}
)
DATA_SOURCE_KEYS: Final = ("sourceFileS3Key", "sourceS3Prefix", "sourceManifestS3Key")  # B.9: exactly one
# B.12: the OpenAPI enum; the client's UploadStatus also knows PENDING/COMPLETED, which AMC's docs show in
# prose but the sandbox never answers with.
UPLOAD_STATUSES: Final = _values(
    (UploadStatus.SUBMITTED, UploadStatus.IN_PROGRESS, UploadStatus.SUCCESS, UploadStatus.FAILED)
)
COMPARATORS: Final = frozenset({"EQ", "GT", "GTE", "LT", "LTE"})  # B.10
MAX_DATASETS_PER_INSTANCE: Final = 5000  # B.3
NO_IDENTITY_COUNTRY_MESSAGE: Final = (
    "Country code cannot be specified for a data set that does not contain identity"
)

_FLAG_KEYS: Final = (
    "isMainEventTime",
    "isMainUserId",
    "isMainUserIdType",
    "isCountryCode",
    "requiresOneWayHashing",
)


def _fail(errors: list[str]) -> None:
    if errors:
        raise bad_request("; ".join(errors), errors)


def _require_object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise bad_request(f"{what} must be a JSON object")
    return value


def identity_type(column: Mapping[str, Any]) -> str | None:
    """`hashedPii` or external identity type of a normalized column, or None."""
    ext = column.get("externalUserIdType")
    if not isinstance(ext, dict):
        return None
    value = ext.get("hashedPii") or ext.get("externalIdentity")
    return str(value) if value else None


def is_identity_column(column: Mapping[str, Any]) -> bool:
    return identity_type(column) is not None


def is_hashed_pii_column(column: Mapping[str, Any]) -> bool:
    ext = column.get("externalUserIdType")
    return isinstance(ext, dict) and bool(ext.get("hashedPii"))


def _check_country(value: Any, where: str, errors: list[str]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not COUNTRY_RE.match(value):
        errors.append(f"{where} must be an ISO-3166 alpha-2 country code in upper case, got {value!r}")
        return None
    return value


def normalize_column(raw: Any, index: int, errors: list[str]) -> dict[str, Any] | None:
    """One column object (C.1) -> the stored column, or None after appending errors."""
    where = f"columns[{index}]"
    if not isinstance(raw, dict):
        errors.append(f"{where} must be a JSON object")
        return None
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip() or name != name.strip():
        errors.append(f"{where}.name must be a non-empty string without surrounding spaces")
        return None
    where = f"column '{name}'"
    column: dict[str, Any] = {"name": name}
    description = raw.get("description")
    if description is not None:
        if not isinstance(description, str):
            errors.append(f"{where}: description must be a string")
        else:
            column["description"] = description
    data_type = raw.get("dataType")
    if data_type not in DATA_TYPES:
        errors.append(f"{where}: dataType must be one of {sorted(DATA_TYPES)}, got {data_type!r}")
    column["dataType"] = data_type
    column_type = raw.get("columnType")
    if column_type not in COLUMN_TYPES:
        errors.append(f"{where}: columnType must be one of {sorted(COLUMN_TYPES)}, got {column_type!r}")
    column["columnType"] = column_type
    # The docs examples say `nullable`, the reference UI reads `isNullable` (B.3): accept both, emit both.
    nullable = raw.get("nullable", raw.get("isNullable", True))
    if not isinstance(nullable, bool):
        errors.append(f"{where}: nullable must be a boolean")
        nullable = True
    column["nullable"] = nullable
    column["isNullable"] = nullable
    for key in _FLAG_KEYS:
        flag = raw.get(key, False)
        if flag is None:
            flag = False
        if not isinstance(flag, bool):
            errors.append(f"{where}: {key} must be a boolean")
            flag = False
        column[key] = flag
    consent = raw.get("consentType")
    if consent is not None:
        if consent not in CONSENT_TYPES:
            errors.append(f"{where}: consentType must be one of {sorted(CONSENT_TYPES)}, got {consent!r}")
        column["consentType"] = consent
    ext = raw.get("externalUserIdType")
    if ext is not None:
        if not isinstance(ext, dict) or len(ext) != 1 or not ({"hashedPii", "externalIdentity"} & set(ext)):
            errors.append(f"{where}: externalUserIdType must be exactly one of hashedPii or externalIdentity")
        elif "hashedPii" in ext and ext["hashedPii"] not in HASHED_PII_TYPES:
            errors.append(f"{where}: unknown hashedPii type {ext['hashedPii']!r}")
        elif "externalIdentity" in ext and ext["externalIdentity"] not in EXTERNAL_IDENTITY_TYPES:
            errors.append(f"{where}: unknown externalIdentity type {ext['externalIdentity']!r}")
        else:
            column["externalUserIdType"] = dict(ext)
    return column


def check_columns(columns: list[dict[str, Any]], country_code: str | None, dataset_id: str) -> list[str]:
    """Cross-column rules of C.1/C.2 over normalized columns; returns the problems found."""
    errors: list[str] = []
    seen: set[str] = set()
    for column in columns:
        key = column["name"].lower()
        if key in seen:
            errors.append(f"Duplicate column name '{column['name']}'")
        seen.add(key)

    event_times = [c for c in columns if c["isMainEventTime"]]
    if len(event_times) > 1:
        errors.append(
            "Only one column can be the main event time, found " + ", ".join(c["name"] for c in event_times)
        )
    for column in event_times:
        if column["dataType"] not in {"TIMESTAMP", "DATE"}:
            errors.append(f"Main event time column '{column['name']}' must be of type TIMESTAMP or DATE")

    identity = [c for c in columns if is_identity_column(c)]
    user_ids = [c for c in columns if c["isMainUserId"]]
    user_types = [c for c in columns if c["isMainUserIdType"]]
    for label, group in (("main user ID", user_ids), ("main user ID type", user_types)):
        if len(group) > 1:
            errors.append(f"Only one column can be the {label} column")
        for column in group:
            if column["dataType"] != "STRING":
                errors.append(f"The {label} column '{column['name']}' must be of type STRING")
            if column["columnType"] == "METRIC":
                errors.append(f"The {label} column '{column['name']}' cannot be a METRIC")  # C.2
    if bool(user_ids) != bool(user_types):
        errors.append("A data set needs both a main user ID and a main user ID type column, or neither")
    if identity and not user_ids:
        # Issue #197's message: AMC rejects identity columns without the main user id column.
        types = ", ".join(sorted({identity_type(c) or "" for c in identity}))
        errors.append(
            f"Customer-owned data set {dataset_id} specified {len(identity)} external user ID column(s) "
            f"({types}) but no main user ID column."
        )
    if user_ids and not identity:
        errors.append(
            "Main user ID columns require at least one identity (hashedPii/externalIdentity) column"
        )
    for column in identity:
        where = f"Identity column '{column['name']}'"
        if column["dataType"] != "STRING":
            errors.append(f"{where} must be of type STRING")
        if column["columnType"] == "METRIC":
            errors.append(f"{where} cannot be a METRIC")
        if (
            column["isMainEventTime"]
            or column["isMainUserId"]
            or column["isMainUserIdType"]
            or column["isCountryCode"]
        ):
            errors.append(f"{where} cannot also be a main event time, main user ID or country code column")
    for column in columns:
        if column["requiresOneWayHashing"] and not is_hashed_pii_column(column):
            errors.append(
                f"Column '{column['name']}': requiresOneWayHashing needs a hashedPii externalUserIdType"
            )

    for column in columns:
        if column.get("consentType") is not None and (
            column["dataType"] != "STRING" or is_identity_column(column)
        ):
            errors.append(f"Consent column '{column['name']}' must be a STRING column without an identity")

    country_columns = [c for c in columns if c["isCountryCode"]]
    if len(country_columns) > 1:
        errors.append("Only one column can be the country code column")
    for column in country_columns:
        if column["dataType"] != "STRING":
            errors.append(f"Country code column '{column['name']}' must be of type STRING")
    if (country_code is not None or country_columns) and not identity:
        errors.append(NO_IDENTITY_COUNTRY_MESSAGE)  # spec A.6 / reference Step5
    return errors


def dataset_type(columns: list[dict[str, Any]]) -> str:
    """C.2: a main event time column makes a FACT data set, otherwise DIMENSION."""
    return "FACT" if any(c["isMainEventTime"] for c in columns) else "DIMENSION"


def validate_create_dataset(body: Any) -> dict[str, Any]:
    """B.5 create body `{"dataSet": {...}}` -> the stored data set (without server timestamps)."""
    body = _require_object(body, "Request body")
    raw = _require_object(body.get("dataSet"), "dataSet")
    errors: list[str] = []
    dataset_id = raw.get("dataSetId")
    if not isinstance(dataset_id, str) or not DATASET_ID_RE.match(dataset_id):
        errors.append(
            f"dataSetId {dataset_id!r} is invalid: use lowercase letters, digits and underscores, "
            "starting with a letter (at least 2 characters)"
        )
        dataset_id = str(dataset_id)
    description = raw.get("description")
    if description is not None and not isinstance(description, str):
        errors.append("description must be a string")
    country_code = _check_country(raw.get("countryCode"), "countryCode", errors)
    kms = raw.get("customerEncryptionKeyArn")
    if kms is not None and (not isinstance(kms, str) or not KMS_ARN_RE.match(kms)):
        errors.append(
            "customerEncryptionKeyArn must be the ARN of a multi-region KMS key (arn:aws:kms:...:key/mrk-...)"
        )
    raw_columns = raw.get("columns")
    if not isinstance(raw_columns, list) or not raw_columns:
        errors.append("columns must be a non-empty list")
        raw_columns = []
    columns = [c for i, rc in enumerate(raw_columns) if (c := normalize_column(rc, i, errors)) is not None]
    _fail(errors)
    errors.extend(check_columns(columns, country_code, dataset_id))
    kind = dataset_type(columns)
    period = raw.get("period")
    if period is not None and period not in PERIODS:
        errors.append(f"period must be one of {sorted(PERIODS)}, got {period!r}")
    if period is not None and kind == "DIMENSION":
        errors.append("period is only allowed for FACT data sets (a data set with a main event time column)")
    _fail(errors)
    dataset: dict[str, Any] = {"dataSetId": dataset_id, "description": description or "", "columns": columns}
    dataset["dataSetType"] = kind
    if kind == "FACT":
        dataset["period"] = period or "P1D"  # C.3: daily is the default
    dataset["countryCode"] = country_code
    if kms is not None:
        dataset["customerEncryptionKeyArn"] = kms
    return dataset


def validate_update_dataset(body: Any, dataset: Mapping[str, Any]) -> dict[str, Any]:
    """B.6: only `description` and `countryCode` can change; returns the changes."""
    body = _require_object(body, "Request body")
    if "dataSet" in body and isinstance(body["dataSet"], dict):
        body = body["dataSet"]
    unknown = sorted(set(body) - {"description", "countryCode", "dataSetId"})
    errors: list[str] = []
    if unknown:
        errors.append(f"Only description and countryCode can be updated, not: {', '.join(unknown)}")
    if "dataSetId" in body and body["dataSetId"] != dataset["dataSetId"]:
        errors.append("dataSetId cannot be changed")
    changes: dict[str, Any] = {}
    if "description" in body:
        if not isinstance(body["description"], str):
            errors.append("description must be a string")
        else:
            changes["description"] = body["description"]
    if "countryCode" in body:
        country = _check_country(body["countryCode"], "countryCode", errors)
        if country is not None and not any(is_identity_column(c) for c in dataset["columns"]):
            errors.append(NO_IDENTITY_COUNTRY_MESSAGE)
        changes["countryCode"] = country
    if not changes and not errors:
        errors.append("Nothing to update: give description and/or countryCode")
    _fail(errors)
    return changes


def add_column(body: Any, dataset: Mapping[str, Any]) -> list[dict[str, Any]]:
    """B.8 add: returns the new column list after checking the whole schema again."""
    body = _require_object(body, "Request body")
    errors: list[str] = []
    column = normalize_column(body.get("column"), len(dataset["columns"]), errors)
    _fail(errors)
    assert column is not None
    if column["isMainUserId"] or column["isMainUserIdType"]:
        errors.append("Main user ID and main user ID type columns cannot be added to an existing data set")
    if column["isMainEventTime"]:
        errors.append("A main event time column cannot be added to an existing data set")
    columns = [*dataset["columns"], column]
    errors.extend(check_columns(columns, dataset.get("countryCode"), str(dataset["dataSetId"])))
    _fail(errors)
    return columns


def update_column(body: Any, dataset: Mapping[str, Any], column_name: str) -> list[dict[str, Any]]:
    """B.8 update: `{"updatedColumnName", "updateDescription"}` (either or both)."""
    body = _require_object(body, "Request body")
    columns = [dict(c) for c in dataset["columns"]]
    target = next((c for c in columns if c["name"] == column_name), None)
    if target is None:
        raise SandboxApiError(
            404, "NOT_FOUND", f"Column '{column_name}' not found in data set {dataset['dataSetId']}"
        )
    new_name = body.get("updatedColumnName")
    new_description = body.get("updateDescription")
    errors: list[str] = []
    if new_name is None and new_description is None:
        errors.append("Give updatedColumnName and/or updateDescription")
    if new_name is not None:
        if not isinstance(new_name, str) or not new_name.strip() or new_name != new_name.strip():
            errors.append("updatedColumnName must be a non-empty string without surrounding spaces")
        else:
            target["name"] = new_name
    if new_description is not None:
        if not isinstance(new_description, str):
            errors.append("updateDescription must be a string")
        else:
            target["description"] = new_description
    _fail(errors)
    errors.extend(check_columns(columns, dataset.get("countryCode"), str(dataset["dataSetId"])))
    _fail(errors)
    return columns


def delete_column(dataset: Mapping[str, Any], column_name: str) -> list[dict[str, Any]]:
    """B.8 delete: not the main event time, main user id or id type column."""
    target = next((c for c in dataset["columns"] if c["name"] == column_name), None)
    if target is None:
        raise SandboxApiError(
            404, "NOT_FOUND", f"Column '{column_name}' not found in data set {dataset['dataSetId']}"
        )
    if target["isMainEventTime"] or target["isMainUserId"] or target["isMainUserIdType"]:
        raise bad_request(
            f"Column '{column_name}' is a main event time or main user ID column and cannot be deleted"
        )
    columns = [c for c in dataset["columns"] if c["name"] != column_name]
    if not columns:
        raise bad_request("The last column of a data set cannot be deleted")
    _fail(check_columns(columns, dataset.get("countryCode"), str(dataset["dataSetId"])))
    return columns


def _check_single_char(value: Any, key: str, errors: list[str], *, allow_multi: bool = False) -> None:
    if not isinstance(value, str) or not value or (len(value) != 1 and not allow_multi):
        errors.append(f"fileFormat.csvDataFormat.{key} must be a single character string")


def validate_create_upload(body: Any, dataset: Mapping[str, Any]) -> dict[str, Any]:
    """B.9 create-upload body -> the normalized request stored with the upload."""
    body = _require_object(body, "Request body")
    errors: list[str] = []
    strategy = body.get("updateStrategy")
    if strategy not in UPDATE_STRATEGIES:
        errors.append(f"updateStrategy must be one of {sorted(UPDATE_STRATEGIES)}, got {strategy!r}")
    compression = body.get("compressionFormat")
    if compression not in COMPRESSION_FORMATS:
        errors.append(f"compressionFormat must be one of {sorted(COMPRESSION_FORMATS)}, got {compression!r}")
    country = _check_country(body.get("countryCode"), "countryCode", errors)
    if country is not None and not any(is_identity_column(c) for c in dataset["columns"]):
        errors.append(NO_IDENTITY_COUNTRY_MESSAGE)

    source = body.get("dataSource")
    data_source: dict[str, Any] = {}
    if not isinstance(source, dict):
        errors.append("dataSource must be a JSON object")
    else:
        bucket = source.get("sourceS3Bucket")
        if not isinstance(bucket, str) or not bucket:
            errors.append("dataSource.sourceS3Bucket is required")
        elif not (BUCKET_RE.match(bucket) or bucket.startswith("file://")):
            errors.append(f"dataSource.sourceS3Bucket {bucket!r} is not a valid S3 bucket name")
        data_source["sourceS3Bucket"] = bucket
        given = [k for k in DATA_SOURCE_KEYS if source.get(k) is not None]
        if len(given) != 1:
            errors.append(
                "dataSource must have exactly one of sourceFileS3Key, sourceS3Prefix, sourceManifestS3Key "
                f"(got {len(given)})"
            )
        for key in given:
            value = source[key]
            if not isinstance(value, str) or (not value and key != "sourceS3Prefix"):
                errors.append(f"dataSource.{key} must be a non-empty string")
            data_source[key] = value
        unknown = sorted(set(source) - {"sourceS3Bucket", *DATA_SOURCE_KEYS})
        if unknown:
            errors.append(f"dataSource has unknown fields: {', '.join(unknown)}")

    file_format = body.get("fileFormat")
    normalized_format: dict[str, Any] = {}
    if not isinstance(file_format, dict):
        errors.append("fileFormat must be a JSON object")
    else:
        kinds = [
            k
            for k in ("csvDataFormat", "jsonDataFormat", "parquetDataFormat")
            if file_format.get(k) is not None
        ]
        if len(kinds) != 1 or len(file_format) != 1:
            errors.append(
                "fileFormat must have exactly one of csvDataFormat, jsonDataFormat, parquetDataFormat"
            )
        elif kinds[0] == "csvDataFormat":
            csv_format = file_format["csvDataFormat"]
            if not isinstance(csv_format, dict):
                errors.append("fileFormat.csvDataFormat must be a JSON object")
            else:
                unknown = sorted(set(csv_format) - CSV_FORMAT_KEYS)
                if unknown:
                    errors.append(f"fileFormat.csvDataFormat has unknown fields: {', '.join(unknown)}")
                for key, value in csv_format.items():
                    if key in CSV_FORMAT_KEYS:
                        _check_single_char(value, key, errors, allow_multi=key == "recordDelimiter")
                normalized_format = {"csvDataFormat": dict(csv_format)}
        elif kinds[0] == "jsonDataFormat":
            if file_format["jsonDataFormat"] not in JSON_FORMATS:
                errors.append(f"fileFormat.jsonDataFormat must be one of {sorted(JSON_FORMATS)}")
            normalized_format = {"jsonDataFormat": file_format["jsonDataFormat"]}
        else:
            if file_format["parquetDataFormat"] != "PARQUET_DATA_FORMAT":
                errors.append("fileFormat.parquetDataFormat must be PARQUET_DATA_FORMAT")
            normalized_format = {"parquetDataFormat": "PARQUET_DATA_FORMAT"}
    _fail(errors)
    return {
        "updateStrategy": strategy,
        "compressionFormat": compression,
        "countryCode": country,
        "dataSource": data_source,
        "fileFormat": normalized_format,
    }


def validate_deletion_request(body: Any) -> list[dict[str, Any]]:
    """B.13: `{"targetIdentities": [...]}`, 1..1000 identities, each external id or hashed PII map."""
    body = _require_object(body, "Request body")
    identities = body.get("targetIdentities")
    if not isinstance(identities, list) or not identities:
        raise bad_request("targetIdentities must be a non-empty list")
    if len(identities) > MAX_DELETION_IDENTITIES:
        raise bad_request(f"At most {MAX_DELETION_IDENTITIES} identities per request, got {len(identities)}")
    errors: list[str] = []
    for i, identity in enumerate(identities):
        where = f"targetIdentities[{i}]"
        if not isinstance(identity, dict) or not identity:
            errors.append(f"{where} must be a non-empty JSON object")
        elif "type" in identity or "value" in identity:
            value = identity.get("value")
            if set(identity) != {"type", "value"}:
                errors.append(f"{where}: an external identity has exactly the keys type and value")
            elif (
                identity.get("type") not in EXTERNAL_IDENTITY_TYPES or not isinstance(value, str) or not value
            ):
                errors.append(f"{where}: external identity needs a known type and a non-empty string value")
        else:
            for key, value in identity.items():
                if key not in HASHED_PII_TYPES:
                    errors.append(f"{where}: unknown hashed PII type {key!r}")
                elif not isinstance(value, str) or not HEX64_RE.match(value):
                    errors.append(f"{where}: {key} must be a SHA-256 hex digest")
    _fail(errors)
    return identities
