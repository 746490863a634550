"""Build an AMC dataset definition from a column description, checking spec C's rules before any request."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from amc_client.errors import DatasetDefinitionError
from amc_client.models import (
    Column,
    ColumnType,
    ConsentType,
    DataSet,
    DataType,
    ExternalIdentityType,
    ExternalUserIdType,
    HashedPiiType,
    Period,
)

logger = logging.getLogger(__name__)

# Spec B.5: lowercase letter first, then lowercase letters, digits, underscore; at least 2 characters.
DATASET_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]+$")
COUNTRY_CODE_PATTERN = re.compile(r"^[A-Z]{2}$")
KMS_KEY_ARN_PATTERN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+$")
# Spec C.2: AMC fills these on identity match; the reference names them user_id/user_type.
MAIN_USER_ID_COLUMN = "user_id"
MAIN_USER_ID_TYPE_COLUMN = "user_type"
RESERVED_COLUMNS = frozenset({MAIN_USER_ID_COLUMN, MAIN_USER_ID_TYPE_COLUMN, "user_id_type"})
NUMERIC_TYPES = frozenset({DataType.DECIMAL, DataType.INTEGER, DataType.LONG})
# Spec C.5: identity column order the reference emits (hashed PII, then LiveRamp, MAID, Experian, others).
_EXTERNAL_ORDER = {t: i for i, t in enumerate(ExternalIdentityType)}
_PII_ORDER = {t: i for i, t in enumerate(HashedPiiType)}
# The reference's Step 4 export format (spec E.3) names column types this way.
_REFERENCE_COLUMN_TYPES: dict[str, dict[str, Any]] = {
    "PII": {},
    "DIMENSION": {"column_type": "DIMENSION"},
    "METRIC": {"column_type": "METRIC"},
    "MAINEVENTTIME": {"main_event_time": True},
    "LIVERAMP ID": {"external_id_type": "LIVERAMP"},
    "MOBILE AD ID": {"external_id_type": "MAID"},
    "EXPERIAN ID": {"external_id_type": "EXPERIAN"},
}


def validate_dataset_id(dataset_id: str) -> str:
    if not DATASET_ID_PATTERN.fullmatch(dataset_id or ""):
        raise DatasetDefinitionError(
            [
                f"dataset id {dataset_id!r} must match {DATASET_ID_PATTERN.pattern} "
                "(lowercase letter first, then lowercase letters, digits, underscores; 2+ characters)"
            ]
        )
    return dataset_id


class ColumnDefinition(BaseModel):
    """One column as the user describes it. `pii_type` marks a hashed PII column, `external_id_type`
    an external identity (LiveRamp, MAID, ...; not hashed), `main_event_time` the FACT time column."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    data_type: DataType = DataType.STRING
    column_type: ColumnType = ColumnType.DIMENSION
    pii_type: HashedPiiType | None = None
    external_id_type: ExternalIdentityType | None = None
    main_event_time: bool = False
    nullable: bool | None = None
    description: str | None = None
    country_code_column: bool = False
    consent_type: ConsentType | None = None

    @field_validator(
        "data_type", "column_type", "pii_type", "external_id_type", "consent_type", mode="before"
    )
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @property
    def is_identity(self) -> bool:
        return self.pii_type is not None or self.external_id_type is not None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> ColumnDefinition:
        """Accepts this model's fields, also in the reference's export format (spec E.3:
        `{name, description, data_type, column_type: PII|Dimension|Metric|MainEventTime|..., pii_type}`)."""
        values = dict(data)
        raw_type = values.get("column_type")
        if isinstance(raw_type, str) and raw_type.strip().upper() in _REFERENCE_COLUMN_TYPES:
            mapped = _REFERENCE_COLUMN_TYPES[raw_type.strip().upper()]
            values.pop("column_type")
            for k, v in mapped.items():
                values.setdefault(k, v)
            if mapped.get("main_event_time") and "data_type" not in values:
                values["data_type"] = DataType.TIMESTAMP
        if values.get("pii_type") in ("", None):
            values.pop("pii_type", None)
        if isinstance(values.get("data_type"), str):
            # Reference labels: "Integer (32-bit)" etc. are not accepted; wire names only.
            values["data_type"] = values["data_type"].strip().upper()
        return cls.model_validate(values)


def _default_description(name: str) -> str:
    # Spec E.3: the reference's default description: first letter upper-cased, non-alphanumerics as spaces.
    text = re.sub(r"[^0-9A-Za-z]+", " ", name).strip()
    return (text[:1].upper() + text[1:]) or name


def _check_columns(columns: Sequence[ColumnDefinition]) -> list[str]:
    problems: list[str] = []
    seen: set[str] = set()
    pii_seen: dict[HashedPiiType, str] = {}
    ext_seen: dict[ExternalIdentityType, str] = {}
    main_time: list[str] = []
    country_columns: list[str] = []
    consent_seen: dict[ConsentType, str] = {}
    if not columns:
        problems.append("a dataset needs at least one column")
    for col in columns:
        name = col.name
        if not name or name != name.strip():
            problems.append(f"column name {name!r} is empty or has surrounding spaces")
        key = name.lower()
        if key in seen:
            problems.append(f"column {name!r}: duplicate name")
        seen.add(key)
        if key in RESERVED_COLUMNS:
            problems.append(f"column {name!r}: name is reserved for AMC's main user id columns (spec C.2)")
        if col.pii_type is not None and col.external_id_type is not None:
            problems.append(f"column {name!r}: pii_type and external_id_type are exclusive")
        if col.is_identity:
            if col.data_type is not DataType.STRING:
                problems.append(f"column {name!r}: identity columns must be STRING, not {col.data_type}")
            if col.column_type is ColumnType.METRIC:
                problems.append(f"column {name!r}: identity columns cannot be METRIC (spec C.2)")
            if col.main_event_time:
                problems.append(f"column {name!r}: an identity column cannot be the main event time")
        if col.pii_type is not None:
            if col.pii_type in pii_seen:
                problems.append(
                    f"column {name!r}: PII type {col.pii_type} already used by {pii_seen[col.pii_type]!r}"
                )
            pii_seen.setdefault(col.pii_type, name)
        if col.external_id_type is not None:
            if col.external_id_type in ext_seen:
                problems.append(
                    f"column {name!r}: external id {col.external_id_type} already used by "
                    f"{ext_seen[col.external_id_type]!r}"
                )
            ext_seen.setdefault(col.external_id_type, name)
        if col.main_event_time:
            main_time.append(name)
            if col.data_type not in (DataType.TIMESTAMP, DataType.DATE):
                problems.append(f"column {name!r}: the main event time must be TIMESTAMP or DATE (spec C.2)")
            if col.column_type is ColumnType.METRIC:
                problems.append(f"column {name!r}: the main event time cannot be METRIC")
            if col.nullable:
                problems.append(f"column {name!r}: the main event time cannot be nullable")
        if col.column_type is ColumnType.METRIC and col.data_type not in NUMERIC_TYPES:
            problems.append(
                f"column {name!r}: METRIC columns must be DECIMAL, INTEGER or LONG, not {col.data_type}"
            )
        if col.country_code_column:
            country_columns.append(name)
            if col.data_type is not DataType.STRING or col.is_identity:
                problems.append(f"column {name!r}: the country code column must be a plain STRING column")
        if col.consent_type is not None:
            # C.1: consent values are uploaded as they are (TCF / GPP strings, GRANTED / DENIED).
            if col.data_type is not DataType.STRING or col.is_identity or col.main_event_time:
                problems.append(f"column {name!r}: a consent column must be a plain STRING column")
            if col.consent_type in consent_seen:
                problems.append(
                    f"column {name!r}: consent type {col.consent_type} already used by "
                    f"{consent_seen[col.consent_type]!r}"
                )
            consent_seen.setdefault(col.consent_type, name)
    if len(main_time) > 1:
        problems.append(f"only one main event time column allowed, got {main_time}")
    if len(country_columns) > 1:
        problems.append(f"only one country code column allowed (spec C.1), got {country_columns}")
    return problems


def _to_column(col: ColumnDefinition) -> Column:
    if col.pii_type is not None:
        ext: ExternalUserIdType | None = ExternalUserIdType(hashed_pii=col.pii_type)
        default_description = f"hashed {_default_description(col.pii_type.value.lower())}"
    elif col.external_id_type is not None:
        ext = ExternalUserIdType(external_identity=col.external_id_type)
        default_description = _default_description(col.name)
    else:
        ext = None
        default_description = _default_description(col.name)
    nullable = col.nullable
    if nullable is None and col.is_identity:
        nullable = True  # Spec C.5: identity columns are nullable (rows without that identifier).
    return Column(
        name=col.name,
        description=col.description or default_description,
        column_type=ColumnType.DIMENSION if col.is_identity or col.main_event_time else col.column_type,
        data_type=col.data_type,
        nullable=nullable,
        is_main_event_time=True if col.main_event_time else None,
        is_country_code=True if col.country_code_column else None,
        consent_type=col.consent_type,
        external_user_id_type=ext,
    )


def build_dataset(
    dataset_id: str,
    columns: Iterable[ColumnDefinition | Mapping[str, Any]],
    *,
    description: str | None = None,
    period: Period | str | None = None,
    country_code: str | None = None,
    kms_key_arn: str | None = None,
) -> DataSet:
    """A `DataSet` ready for `create_dataset`, following spec C and I.4:

    - `user_id`/`user_type` main user id columns are added first when any identity column exists;
    - a main event time column makes a FACT dataset (`period` defaults to P1D); without one it is a
      DIMENSION dataset and `period` must not be given;
    - `countryCode` is sent only when identity columns exist (AMC rejects it otherwise; a country given
      for a dataset without identity is dropped, as the reference does);
    - `customerEncryptionKeyArn` goes inside `dataSet` (the reference put it outside: a bug).
    Every problem is collected and raised together as `DatasetDefinitionError`.
    """
    problems: list[str] = []
    if not DATASET_ID_PATTERN.fullmatch(dataset_id or ""):
        problems.append(f"dataset id {dataset_id!r} must match {DATASET_ID_PATTERN.pattern}")
    defs: list[ColumnDefinition] = []
    for i, col in enumerate(columns):
        if isinstance(col, ColumnDefinition):
            defs.append(col)
            continue
        try:
            defs.append(ColumnDefinition.from_mapping(col))
        except ValidationError as exc:
            for err in exc.errors():
                where = ".".join(str(p) for p in err["loc"]) or "column"
                problems.append(f"column #{i + 1} ({col.get('name', '?')!s}): {where}: {err['msg']}")
    problems.extend(_check_columns(defs))

    is_fact = any(c.main_event_time for c in defs)
    resolved_period: Period | None = None
    if period is not None and str(period).upper() != "DIMENSION":
        try:
            resolved_period = Period(str(period).upper())
        except ValueError:
            problems.append(f"period {period!r} must be one of PT1H, P1D, P1M")
        if not is_fact:
            problems.append("period is only valid for FACT datasets (declare a main event time column)")
    elif is_fact:
        resolved_period = Period.DAILY
    if period is not None and str(period).upper() == "DIMENSION" and is_fact:
        problems.append("a DIMENSION dataset cannot have a main event time column")

    has_identity = any(c.is_identity for c in defs)
    resolved_country: str | None = None
    if country_code is not None:
        if not COUNTRY_CODE_PATTERN.fullmatch(country_code):
            problems.append(f"country code {country_code!r} must be ISO-3166 alpha-2 upper case")
        elif has_identity:
            resolved_country = country_code
        else:
            logger.debug("dataset %s has no identity column: countryCode not sent", dataset_id)
    if kms_key_arn is not None and not KMS_KEY_ARN_PATTERN.fullmatch(kms_key_arn):
        problems.append("kms_key_arn is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)")
    if problems:
        raise DatasetDefinitionError(problems)
    if has_identity and resolved_country is None:
        logger.warning(
            "dataset %s has identity columns but no country code: matching will suffer", dataset_id
        )

    out: list[Column] = []
    if has_identity:
        out.append(
            Column(
                name=MAIN_USER_ID_COLUMN,
                description="The customer resolved id",
                column_type=ColumnType.DIMENSION,
                data_type=DataType.STRING,
                nullable=True,
                is_main_user_id=True,
            )
        )
        out.append(
            Column(
                name=MAIN_USER_ID_TYPE_COLUMN,
                description="The customer resolved type",
                column_type=ColumnType.DIMENSION,
                data_type=DataType.STRING,
                nullable=True,
                is_main_user_id_type=True,
            )
        )

    def order(item: tuple[int, ColumnDefinition]) -> tuple[int, int, int]:
        i, c = item
        if c.pii_type is not None:
            return (0, _PII_ORDER[c.pii_type], i)
        if c.external_id_type is not None:
            return (1, _EXTERNAL_ORDER[c.external_id_type], i)
        if c.main_event_time:
            return (2, 0, i)
        return (3, 0, i)

    out.extend(_to_column(c) for _, c in sorted(enumerate(defs), key=order))
    return DataSet(
        data_set_id=dataset_id,
        description=description,
        period=resolved_period,
        country_code=resolved_country,
        customer_encryption_key_arn=kms_key_arn,
        columns=out,
    )


def load_column_file(text: str, *, suffix: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Parse a JSON or TOML column-definition file: a JSON array of columns, or an object/TOML document
    with `columns` (array of tables) and optional `description`, `period`, `country_code`, `kms_key_arn`.
    Returns (columns, dataset options)."""
    import json
    import tomllib

    try:
        data: Any = tomllib.loads(text) if suffix.lower() == ".toml" else json.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise DatasetDefinitionError([f"cannot parse column file: {exc}"]) from None
    if isinstance(data, list):
        return [dict(c) for c in data if isinstance(c, Mapping)], {}
    if not isinstance(data, Mapping) or not isinstance(data.get("columns"), list):
        raise DatasetDefinitionError(["column file must be an array of columns or have a 'columns' array"])
    options = {k: data[k] for k in ("description", "period", "country_code", "kms_key_arn") if k in data}
    unknown = sorted(set(data) - {"columns", *options})
    if unknown:
        raise DatasetDefinitionError([f"column file: unknown keys {unknown}"])
    return [dict(c) for c in data["columns"] if isinstance(c, Mapping)], options
