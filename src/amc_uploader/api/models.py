"""Request and response models of the REST API (camelCase on the wire)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic.alias_generators import to_camel

from amc_client.dataset import DATASET_ID_PATTERN
from amc_client.models import (
    ColumnType,
    ConsentType,
    DataType,
    ExternalIdentityType,
    HashedPiiType,
    Period,
    UpdateStrategy,
)
from amc_normalize import SUPPORTED_COUNTRIES, PiiType
from amc_normalize.country import eea_uk_countries
from amc_uploader.job.config import InputFormat, OutputFormat
from amc_uploader.job.consent import MISSING_CONSENT_POLICIES


class ApiModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


if TYPE_CHECKING:
    CountryCode = str
    EeaUkCountry = str
    MissingConsentPolicy = str
else:
    # One member per country the library has rules for: its table is the one source of the list.
    CountryCode = StrEnum("CountryCode", {code: code for code in sorted(SUPPORTED_COUNTRIES)})
    # The countries whose records need a consent signal (the library's data table), for the web's warning.
    EeaUkCountry = StrEnum("EeaUkCountry", {code: code for code in sorted(eea_uk_countries())})
    MissingConsentPolicy = StrEnum("MissingConsentPolicy", {p: p for p in MISSING_CONSENT_POLICIES})


DatasetId = Annotated[str, StringConstraints(pattern=DATASET_ID_PATTERN.pattern, max_length=128)]
InstanceId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
NonEmpty = Annotated[str, StringConstraints(min_length=1, max_length=256, strip_whitespace=True)]
S3Key = Annotated[str, StringConstraints(min_length=1, max_length=1024)]
LwaCredential = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9\-\.]+$", max_length=512)]
ColumnName = Annotated[str, StringConstraints(min_length=1, max_length=256)]


class ErrorBody(BaseModel):
    """Every error answer: a stable machine code and a human message (never a value, token or secret)."""

    error: str
    message: str


class Health(ApiModel):
    status: Literal["ok"] = "ok"
    version: str
    local_mode: bool


class Version(ApiModel):
    version: str


class Reason(ApiModel):
    """A row outcome's reason code and the sentence that explains it (amc_normalize.reasons)."""

    code: str
    text: str


class Reasons(ApiModel):
    reasons: list[Reason]


class LocalLoginRequest(ApiModel):
    username: NonEmpty
    password: Annotated[str, StringConstraints(min_length=1, max_length=256)]


class LocalRefreshRequest(ApiModel):
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=8192)]


class TokenResponse(ApiModel):
    id_token: str
    access_token: str
    refresh_token: str | None = None
    expires_in: int


class Me(ApiModel):
    username: str
    subject: str
    groups: list[str]
    is_admin: bool


class CredentialStatus(ApiModel):
    """Whether LWA credentials are stored; the values themselves are never returned."""

    client_id_set: bool
    client_secret_set: bool
    connected: bool


class SettingsView(ApiModel):
    credentials: CredentialStatus
    allow_sample_values: bool
    lwa_scope: str
    consent_url: str
    api_base_url: str
    redirect_uri: str | None
    data_bucket: str
    artifact_bucket: str
    kms_key_arn: str | None
    version: str


class SettingsUpdate(ApiModel):
    allow_sample_values: bool | None = None
    lwa_scope: Annotated[str, StringConstraints(min_length=1, max_length=512)] | None = None


class CredentialsUpdate(ApiModel):
    client_id: LwaCredential
    client_secret: LwaCredential


class ConsentUrlRequest(ApiModel):
    redirect_uri: Annotated[str, StringConstraints(pattern=r"^https?://", max_length=2048)] | None = None


class ConsentUrl(ApiModel):
    url: str
    state: str
    expires_at: datetime


class OAuthCallback(ApiModel):
    code: Annotated[str, StringConstraints(min_length=1, max_length=2048)]
    state: Annotated[str, StringConstraints(min_length=1, max_length=256)]


class AmcInstance(ApiModel):
    instance_id: InstanceId
    name: Annotated[str, StringConstraints(max_length=256)] | None = None
    advertiser_id: NonEmpty
    marketplace_id: NonEmpty
    data_upload_aws_account_id: Annotated[str, StringConstraints(pattern=r"^\d{12}$")]
    ads_account_id: Annotated[str, StringConstraints(max_length=256)] | None = None
    tags: list[Annotated[str, StringConstraints(min_length=1, max_length=128)]] = Field(
        default_factory=list, max_length=50
    )


class InstanceList(ApiModel):
    items: list[AmcInstance]


class InstanceBulkUpdate(ApiModel):
    items: list[AmcInstance] = Field(max_length=259)


class AmcAccount(ApiModel):
    account_id: str
    account_name: str | None = None
    marketplace_id: str | None = None


class DiscoveredInstance(ApiModel):
    """An instance AMC reports for the connected account, prefilled for registration."""

    instance_id: str
    instance_name: str | None = None
    advertiser_id: str
    marketplace_id: str | None = None
    data_upload_aws_account_id: str | None = None
    instance_type: str | None = None
    creation_status: str | None = None
    registered: bool


class Discovery(ApiModel):
    accounts: list[AmcAccount]
    instances: list[DiscoveredInstance]


class S3Object(ApiModel):
    key: str
    size: int
    last_modified: datetime


class FileList(ApiModel):
    bucket: str
    prefix: str
    items: list[S3Object]
    prefixes: list[str]
    next_token: str | None = None
    max_upload_bytes: int = Field(
        description="Files above this size cannot be uploaded through the API: copy them to the bucket."
    )
    artifact_bucket: str = Field(description="Where jobs stage hashed files (the CLI's `run --output`).")


class UploadedFile(ApiModel):
    bucket: str
    key: str
    size: int


class PreviewRequest(ApiModel):
    keys: list[S3Key] = Field(min_length=1, max_length=200)
    file_format: InputFormat | None = None
    country_code: CountryCode | None = None
    country_column: ColumnName | None = Field(
        default=None,
        description="Suggest PII types by each row's country from this column (default: the suggested one).",
    )
    include_samples: bool = False
    sample_size: int = Field(default=5, ge=1, le=20)


class ColumnPreview(ApiModel):
    name: str
    inferred_type: DataType
    suggested_pii_type: PiiType | None
    confidence: float
    reason: str
    fill_rate: float
    non_null: int
    samples: list[str] | None = None
    suggested_consent_type: ConsentType | None = Field(
        default=None, description="The consent signal the header names (tcf_string, gpp_string, ...)."
    )
    country_candidate: bool = Field(
        default=False, description="Named like a country column, or its values resolve to countries."
    )
    eea_uk_rows: int | None = Field(
        default=None,
        description="For a country candidate: scanned rows whose country (blank: the default) is EEA/UK.",
    )


class FilePreview(ApiModel):
    bucket: str
    keys: list[str]
    file_format: InputFormat
    rows_scanned: int
    columns: list[ColumnPreview]
    samples_included: bool
    warnings: list[str]
    suggested_country_column: str | None = Field(
        default=None, description="The most likely per-row country column, if any."
    )
    eea_uk_countries: list[EeaUkCountry] = Field(
        default_factory=list, description="Countries whose records AMC accepts only with a consent signal."
    )


class ColumnDefinitionModel(ApiModel):
    name: ColumnName
    description: Annotated[str, StringConstraints(max_length=512)] | None = None
    data_type: DataType = DataType.STRING
    column_type: ColumnType = ColumnType.DIMENSION
    pii_type: HashedPiiType | None = None
    external_id_type: ExternalIdentityType | None = None
    is_main_event_time: bool = False
    nullable: bool = True
    consent_type: ConsentType | None = Field(
        default=None, description="A consent signal column (uploaded as it is, never hashed)."
    )
    is_country_code: bool = Field(default=False, description="The per-row country column (COUNTRY_CODE).")

    @model_validator(mode="after")
    def _one_role(self) -> ColumnDefinitionModel:
        roles = [self.pii_type, self.external_id_type, self.consent_type, self.is_country_code or None]
        if sum(1 for r in roles if r is not None) > 1:
            raise ValueError("a column is one of a PII, external id, consent or country column, not several")
        return self


class DatasetCreate(ApiModel):
    dataset_id: DatasetId
    description: Annotated[str, StringConstraints(max_length=1024)] | None = None
    period: Period | None = Field(default=None, description="Omit for a DIMENSION dataset.")
    country_code: CountryCode | None = None
    columns: list[ColumnDefinitionModel] = Field(min_length=1, max_length=500)


class DatasetColumn(ApiModel):
    name: str
    description: str | None = None
    data_type: str | None = None
    column_type: str | None = None
    nullable: bool | None = None
    is_main_event_time: bool = False
    is_main_user_id: bool = False
    is_main_user_id_type: bool = False
    pii_type: str | None = None
    external_id_type: str | None = None
    consent_type: str | None = None
    is_country_code: bool = False


class Dataset(ApiModel):
    dataset_id: str
    instance_id: str
    description: str | None = None
    period: str | None = None
    country_code: str | None = None
    dataset_type: str | None = None
    created_time: str | None = None
    updated_time: str | None = None
    columns: list[DatasetColumn] = Field(default_factory=list)


class DatasetList(ApiModel):
    items: list[Dataset]


class CompatibilityRequest(ApiModel):
    keys: list[S3Key] = Field(min_length=1, max_length=200)
    file_format: InputFormat | None = None


class Compatibility(ApiModel):
    compatible: bool
    missing_columns: list[str]
    extra_columns: list[str]
    message: str


class AmcUpload(ApiModel):
    upload_id: str
    dataset_id: str | None = None
    status: str | None = None
    message: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    source: str | None = None
    metrics: dict[str, Any] | None = None


class UploadList(ApiModel):
    items: list[AmcUpload]


class JobColumn(ApiModel):
    name: ColumnName
    pii_type: PiiType | None = None
    data_type: DataType = DataType.STRING
    drop: bool = False
    is_main_event_time: bool = False
    consent_type: ConsentType | None = Field(
        default=None, description="A consent signal column: validated, uploaded as it is, never hashed."
    )


class JobTemplate(ApiModel):
    """A job without its source files (also the body of S3-trigger rules)."""

    instance_ids: list[InstanceId] = Field(min_length=1, max_length=100)
    dataset_id: DatasetId
    update_strategy: UpdateStrategy = UpdateStrategy.ADDITIVE
    country_code: CountryCode | None = Field(
        default=None,
        description="The country of the rows; with countryColumn, of rows whose country is blank.",
    )
    country_column: ColumnName | None = Field(
        default=None,
        description="The per-row country column (ISO alpha-2, alpha-3 or a name): each row's PII is "
        "normalized by its own country's rules, the column is staged with the resolved code.",
    )
    file_format: InputFormat | None = None
    output_format: OutputFormat = "CSV"
    columns: list[JobColumn] = Field(default_factory=list, max_length=500)
    missing_consent: MissingConsentPolicy = Field(
        default=MissingConsentPolicy("drop"),
        description="EEA/UK rows without a valid consent signal: keep, drop (default) or fail the job.",
    )

    @model_validator(mode="after")
    def _unique(self) -> JobTemplate:
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError("each column may appear once")
        pii = [c.pii_type for c in self.columns if c.pii_type and not c.drop]
        if len(set(pii)) != len(pii):
            raise ValueError("each PII type may be used once")
        consent = [c for c in self.columns if c.consent_type and not c.drop]
        if len({c.consent_type for c in consent}) != len(consent):
            raise ValueError("each consent type may be used once")
        if any(c.pii_type or c.is_main_event_time or c.data_type is not DataType.STRING for c in consent):
            raise ValueError("a consent column is a plain STRING column, not PII or the event time")
        country = next((c for c in self.columns if c.name == self.country_column), None)
        if country is not None and (
            country.drop or country.pii_type or country.consent_type or country.is_main_event_time
        ):
            raise ValueError(
                "the country column is a plain column, not dropped, PII, consent or the event time"
            )
        if sum(1 for c in self.columns if c.is_main_event_time) > 1:
            raise ValueError("at most one main event time column")
        if len(set(self.instance_ids)) != len(self.instance_ids):
            raise ValueError("each instance may appear once")
        return self


class JobRequest(JobTemplate):
    source_keys: list[S3Key] = Field(min_length=1, max_length=200)


class JobStatus(StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    STAGED = "STAGED"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


class InstanceStatus(StrEnum):
    PENDING = "PENDING"
    STAGED = "STAGED"
    UPLOADING = "UPLOADING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


class JobInstance(ApiModel):
    instance_id: str
    status: InstanceStatus = InstanceStatus.PENDING
    upload_id: str | None = None
    upload_status: str | None = None
    message: str | None = None
    metrics: dict[str, Any] | None = None
    manifest_key: str | None = None
    updated_at: datetime | None = None


class Job(ApiModel):
    job_id: str
    status: JobStatus
    request: JobRequest
    instances: list[JobInstance]
    report: dict[str, Any] | None = None
    error: str | None = None
    run_id: str | None = None
    trigger_rule_id: str | None = None
    created_by: str | None = None
    created_at: datetime
    updated_at: datetime


class JobList(ApiModel):
    items: list[Job]


class DryRunReport(ApiModel):
    report: dict[str, Any]
    warnings: list[str]


class TriggerRuleCreate(ApiModel):
    name: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    prefix: Annotated[str, StringConstraints(max_length=1024)] = "incoming/"
    suffix: Annotated[str, StringConstraints(max_length=64)] = ".csv"
    template: JobTemplate
    enabled: bool = True


class TriggerRule(TriggerRuleCreate):
    rule_id: str
    bucket: str
    created_by: str | None = None
    created_at: datetime


class TriggerRuleList(ApiModel):
    items: list[TriggerRule]


class ErasureCreate(ApiModel):
    """Erase the people of a file in the data bucket from AMC (user deletion requests, spec B.13)."""

    source_key: S3Key
    pii: dict[ColumnName, HashedPiiType] = Field(min_length=1, max_length=8)
    country_code: CountryCode | None = None
    country_column: ColumnName | None = None
    instance_ids: list[InstanceId] | None = Field(
        default=None, min_length=1, max_length=100, description="Default: every registered instance."
    )

    @model_validator(mode="after")
    def _unique(self) -> ErasureCreate:
        if self.instance_ids is not None and len(set(self.instance_ids)) != len(self.instance_ids):
            raise ValueError("each instance may appear once")
        return self


class ErasureColumnCounts(ApiModel):
    ok: int
    prehashed: int
    null: int
    invalid: int
    invalid_by_reason: dict[str, int]


class ErasureReport(ApiModel):
    """What became of the file: people read, identities sent, people without any usable identifier (by
    line, the first 100), per country and per column counts. Never a value."""

    rows: int
    identities: int
    duplicates: int
    without_identifiers: int
    lines_without_identifiers: list[int]
    countries: dict[str, int]
    country_reasons: dict[str, int]
    columns: dict[str, ErasureColumnCounts]


class ErasureRequestState(ApiModel):
    instance_id: str
    batch: int
    identity_count: int
    request_id: str | None = None
    status: str | None = None
    error: str | None = None


class ErasureStatus(StrEnum):
    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


class Erasure(ApiModel):
    erasure_id: str
    status: ErasureStatus
    source_key: str
    pii: dict[str, HashedPiiType]
    country_code: CountryCode | None = None
    country_column: str | None = None
    instance_ids: list[str]
    report: ErasureReport
    requests: list[ErasureRequestState]
    created_by: str | None = None
    created_at: datetime
    updated_at: datetime


class ErasureList(ApiModel):
    items: list[Erasure]
