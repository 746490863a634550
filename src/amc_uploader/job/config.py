"""The job definition: a validated pydantic model, loadable from TOML or JSON (local path or s3:// URI)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from amc_client.models import ConsentType, DataType, UpdateStrategy
from amc_normalize import PiiType
from amc_uploader.io import InputFormat
from amc_uploader.job.consent import MissingConsent, check_one_column_per_kind, consent_kind
from amc_uploader.job.countries import country_column_problems
from amc_uploader.job.errors import JobConfigError, StagingError
from amc_uploader.job.layout import StagingLayout
from amc_uploader.job.writer import DEFAULT_PARTITION_CAP, MAX_PARTITION_CAP, MIN_PARTITION_CAP

#: Dataset and instance id of a stage-only run that names neither.
STAGE_ONLY_PLACEHOLDER = "staged"

__all__ = ["ColumnDataType", "CsvOptions", "Engine", "InputFormat", "JobConfig", "OutputFormat"]

PII_TYPES = tuple(PiiType)
UPDATE_STRATEGIES = tuple(UpdateStrategy)


ColumnDataType = DataType  # AMC column data types (spec C.1), as the client defines them


OutputFormat = Literal["CSV", "JSONL"]
Engine = Literal["local", "spark"]


class CsvOptions(BaseModel):
    """How to read CSV input. ``utf-8-sig`` reads UTF-8 with or without a byte-order mark."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: None: a tab for `.tsv`, else sniffed from the header line (`,` unless it only has `;`, tab or `|`).
    delimiter: str | None = Field(default=None, min_length=1, max_length=1)
    quote: str = Field(default='"', min_length=1, max_length=1)
    header: bool = True
    column_names: list[str] | None = None
    encoding: str = "utf-8-sig"
    #: No effect, kept so that existing job files stay valid: quoted fields may span lines in every
    #: engine (Spark always reads CSV with multiLine, so each CSV file is one Spark task).
    multiline: bool = False

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        import codecs

        try:
            codecs.lookup(value)
        except LookupError as exc:
            raise ValueError(f"unknown encoding {value!r}") from exc
        return "utf-8-sig" if value.lower().replace("_", "-") in ("utf-8", "utf8") else value

    @model_validator(mode="after")
    def _names_without_header(self) -> CsvOptions:
        if not self.header and not self.column_names:
            raise ValueError("csv.column_names is required when csv.header is false")
        return self


class JobConfig(BaseModel):
    """One upload job. Field names double as TOML/JSON keys; the CLI flags map onto them."""

    model_config = ConfigDict(extra="forbid")

    job_id: str | None = Field(default=None, description="Reuse to make a re-run idempotent.")
    inputs: list[str] = Field(min_length=1, description="Local paths, globs, directories or s3:// URIs.")
    input_format: InputFormat | None = Field(default=None, description="Detected when not given.")
    csv: CsvOptions = Field(default_factory=CsvOptions)
    pii: dict[str, str] = Field(default_factory=dict, description="column -> PII type")
    consent: dict[str, ConsentType] = Field(
        default_factory=dict, description="column -> consent kind (TCF, GPP, AMZN_AD_STORAGE, AMZN_USER_DATA)"
    )
    missing_consent: MissingConsent = Field(
        default="drop", description="EEA/UK rows without a valid consent signal: keep, drop or fail."
    )
    drop: list[str] = Field(default_factory=list)
    column_types: dict[str, ColumnDataType] = Field(default_factory=dict)
    event_time: str | None = Field(default=None, description="Main event-time column (FACT dataset).")
    dataset_type: Literal["FACT", "DIMENSION"] | None = None
    country_code: str | None = None
    country_column: str | None = Field(
        default=None, description="Per-row country column (isCountryCode); country_code: default of blanks."
    )
    dataset_id: str
    update_strategy: str = "ADDITIVE"
    instances: list[str] = Field(default_factory=list)
    output: str | None = Field(default=None, description="Local directory or s3://bucket[/prefix].")
    s3_endpoint_url: str | None = None
    file_format: OutputFormat | None = Field(default=None, description="Default: CSV, JSONL for JSON input.")
    partition_cap_bytes: int = Field(
        default=DEFAULT_PARTITION_CAP, ge=MIN_PARTITION_CAP, le=MAX_PARTITION_CAP
    )
    max_timestamp_failure_share: float = Field(default=0.0, ge=0.0, le=1.0)
    engine: Engine = "local"
    workers: int | None = Field(
        default=None,
        ge=1,
        le=256,
        description="Local engine: worker processes (default: the available cores).",
    )
    dry_run: bool = False
    stage_only: bool = False

    @field_validator("pii")
    @classmethod
    def _pii_types(cls, value: dict[str, str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for column, pii_type in value.items():
            name = pii_type.strip().upper()
            if name not in PII_TYPES:
                raise ValueError(f"column {column!r}: unknown PII type {pii_type!r} ({', '.join(PII_TYPES)})")
            out[column] = name
        return out

    @field_validator("consent", mode="before")
    @classmethod
    def _consent_kinds(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        out = {c: consent_kind(k) if isinstance(k, str) else k for c, k in value.items()}
        check_one_column_per_kind(out)
        return out

    @field_validator("missing_consent", mode="before")
    @classmethod
    def _missing_consent(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("country_code")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        return value.strip().upper() if value else None

    @field_validator("update_strategy")
    @classmethod
    def _strategy(cls, value: str) -> str:
        name = value.strip().upper()
        if name not in UPDATE_STRATEGIES:
            raise ValueError(f"update_strategy must be one of {', '.join(UPDATE_STRATEGIES)}")
        return name

    @model_validator(mode="before")
    @classmethod
    def _stage_only_defaults(cls, data: Any) -> Any:
        """A stage-only run (hashed files and manifest to inspect, no AMC call) needs no AMC ids: without
        them it stages under the placeholder dataset and instance `staged`."""
        if isinstance(data, dict) and data.get("stage_only") and not data.get("dry_run"):
            data = dict(data)
            data.setdefault("dataset_id", None)
            data["dataset_id"] = data["dataset_id"] or STAGE_ONLY_PLACEHOLDER
            data["instances"] = data.get("instances") or [STAGE_ONLY_PLACEHOLDER]
        return data

    @model_validator(mode="after")
    def _consistent(self) -> JobConfig:
        problems: list[str] = []
        for column in self.pii:
            if column in self.drop:
                problems.append(f"column {column!r} is both PII and dropped")
            declared = self.column_types.get(column)
            if declared not in (None, ColumnDataType.STRING):
                problems.append(f"PII column {column!r} must be STRING, not {declared}")
        for column in self.consent:
            if column in self.pii or column in self.drop or column == self.event_time:
                problems.append(f"consent column {column!r} cannot also be PII, dropped or the event time")
            if self.column_types.get(column) not in (None, ColumnDataType.STRING):
                problems.append(f"consent column {column!r} must be STRING")
        if self.event_time is not None:
            if self.event_time in self.drop:
                problems.append(f"event-time column {self.event_time!r} is dropped")
            if self.event_time in self.pii:
                problems.append(f"event-time column {self.event_time!r} cannot be a PII column")
            declared = self.column_types.get(self.event_time)
            if declared not in (None, ColumnDataType.TIMESTAMP, ColumnDataType.DATE):
                problems.append(f"event-time column {self.event_time!r} must be TIMESTAMP or DATE")
        if self.dataset_type == "FACT" and self.event_time is None:
            problems.append("a FACT dataset needs a main event-time column (event_time)")
        if self.dataset_type == "DIMENSION" and self.event_time is not None:
            problems.append("a DIMENSION dataset has no main event-time column")
        if self.pii and not self.country_code and not self.country_column:
            problems.append(
                "PII columns need a country_code or a country_column (normalization rules are per country)"
            )
        problems.extend(country_column_problems(self))
        if not self.dry_run:
            if not self.output:
                problems.append("output is required (a local directory or s3:// URI) unless dry_run")
            if not self.instances:
                problems.append("at least one AMC instance is required unless dry_run")
        if len(set(self.instances)) != len(self.instances):
            problems.append("instances are listed more than once")
        for instance in self.instances or ["instance"]:
            try:  # ids become S3 key segments (staging contract)
                StagingLayout(self.dataset_id, self.job_id or "job", instance)
            except StagingError as exc:
                problems.append(str(exc))
        if problems:
            raise ValueError("; ".join(dict.fromkeys(problems)))
        return self

    @property
    def timestamp_columns(self) -> dict[str, ColumnDataType]:
        """Every TIMESTAMP/DATE column (the event-time column defaults to TIMESTAMP)."""
        out: dict[str, ColumnDataType] = {
            c: t
            for c, t in self.column_types.items()
            if t in (ColumnDataType.TIMESTAMP, ColumnDataType.DATE) and c not in self.drop
        }
        if self.event_time is not None and self.event_time not in out:
            out[self.event_time] = ColumnDataType.TIMESTAMP
        return out

    @property
    def referenced_columns(self) -> list[str]:
        """Every column the configuration names (each must exist in every input file)."""
        names = [*self.pii, *self.consent, *self.drop, *self.column_types]
        if self.event_time is not None:
            names.append(self.event_time)
        if self.country_column is not None:
            names.append(self.country_column)
        return list(dict.fromkeys(names))

    def output_format_for(self, input_format: InputFormat) -> OutputFormat:
        if self.file_format is not None:
            return self.file_format
        return "JSONL" if input_format is InputFormat.JSONL else "CSV"

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> JobConfig:
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise JobConfigError(_describe(exc)) from None

    @classmethod
    def from_text(cls, text: str, *, fmt: Literal["toml", "json"]) -> JobConfig:
        try:
            data = tomllib.loads(text) if fmt == "toml" else json.loads(text)
        except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
            raise JobConfigError(f"job configuration is not valid {fmt.upper()}: {exc}") from None
        if not isinstance(data, dict):
            raise JobConfigError("job configuration must be a table/object")
        return cls.from_mapping(data)

    @classmethod
    def load(cls, location: str | Path, *, s3_client: Any = None) -> JobConfig:
        """Load from a local ``.toml``/``.json`` file or an ``s3://`` URI (JSON unless it ends .toml)."""
        text_location = str(location)
        fmt: Literal["toml", "json"] = "toml" if text_location.endswith(".toml") else "json"
        if text_location.startswith("s3://"):
            bucket, _, key = text_location[5:].partition("/")
            if s3_client is None:
                import boto3

                s3_client = boto3.client("s3")
            body = s3_client.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
            return cls.from_text(body, fmt=fmt)
        path = Path(text_location.removeprefix("file://"))
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise JobConfigError(f"cannot read job configuration {path}: {exc.strerror}") from None
        return cls.from_text(text, fmt=fmt)


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "invalid job configuration: " + "; ".join(parts)
