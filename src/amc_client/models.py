"""Pydantic models of the AMC wire format (spec B, C). Python names are snake_case, the wire is camelCase.

Response models keep fields they do not know (`extra="allow"`) so `--json` output and callers see
everything AMC returned; request models send only schema fields.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

from amc_client.errors import AmcConfigError


class DataType(StrEnum):
    STRING = "STRING"
    DECIMAL = "DECIMAL"
    INTEGER = "INTEGER"
    LONG = "LONG"
    TIMESTAMP = "TIMESTAMP"
    DATE = "DATE"


class ColumnType(StrEnum):
    DIMENSION = "DIMENSION"
    METRIC = "METRIC"


class Period(StrEnum):
    """TimePartitionGranularity (spec C.3)."""

    HOURLY = "PT1H"
    DAILY = "P1D"
    MONTHLY = "P1M"


class HashedPiiType(StrEnum):
    """Spec C.1; values equal `amc_normalize.PiiType` where both exist."""

    EMAIL = "EMAIL"
    FIRST_NAME = "FIRST_NAME"
    LAST_NAME = "LAST_NAME"
    PHONE = "PHONE"
    ADDRESS = "ADDRESS"
    CITY = "CITY"
    STATE = "STATE"
    ZIP = "ZIP"
    COUNTRY_CODE = "COUNTRY_CODE"


class ExternalIdentityType(StrEnum):
    LIVERAMP = "LIVERAMP"
    MAID = "MAID"
    EXPERIAN = "EXPERIAN"
    IDFA = "IDFA"
    KANTAR = "KANTAR"
    MERKLE = "MERKLE"
    NEUSTAR = "NEUSTAR"
    REALID = "REALID"
    SAMBATV = "SAMBATV"


class ConsentType(StrEnum):
    TCF = "TCF"
    GPP = "GPP"
    AMZN_AD_STORAGE = "AMZN_AD_STORAGE"
    AMZN_USER_DATA = "AMZN_USER_DATA"


class AcsConsentValue(StrEnum):
    """The values of an Amazon Consent Signal column (AMZN_USER_DATA, AMZN_AD_STORAGE; spec C.1)."""

    GRANTED = "GRANTED"
    DENIED = "DENIED"


class UpdateStrategy(StrEnum):
    ADDITIVE = "ADDITIVE"
    FULL_REPLACE = "FULL_REPLACE"
    OVERLAP_REPLACE = "OVERLAP_REPLACE"
    OVERLAP_KEEP = "OVERLAP_KEEP"


class UploadStatus(StrEnum):
    """Spec B.12: the OpenAPI enum plus PENDING/COMPLETED seen in the docs' prose."""

    PENDING = "PENDING"
    SUBMITTED = "SUBMITTED"
    IN_PROGRESS = "IN_PROGRESS"
    SUCCESS = "SUCCESS"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


#: Request headers every AMC call carries (spec A.4): the LwA client id, and the advertiser context.
HEADER_CLIENT_ID = "Amazon-Advertising-API-ClientId"
HEADER_ADVERTISER_ID = "Amazon-Advertising-API-AdvertiserId"
HEADER_MARKETPLACE_ID = "Amazon-Advertising-API-MarketplaceId"
HEADER_ADS_ACCOUNT_ID = "Amazon-Ads-AccountId"

SUCCESS_STATUSES = frozenset({"SUCCESS", "COMPLETED"})
FAILURE_STATUSES = frozenset({"FAILED"})


class WireModel(BaseModel):
    """Response side: tolerant of unknown fields, kept in `model_extra`."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow")

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class RequestModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class AmcAccount(WireModel):
    account_id: str
    account_name: str | None = None
    marketplace_id: str | None = None


class Instance(WireModel):
    instance_id: str
    instance_name: str | None = None
    instance_type: str | None = None
    customer_canonical_name: str | None = None
    creation_status: str | None = None
    creation_datetime: str | None = None
    s3_bucket_name: str | None = None
    aws_account_id: str | None = None
    data_upload_aws_account_id: str | None = None
    api_endpoint: str | None = None
    entities: list[str] | None = None


class ExternalUserIdType(WireModel):
    """Exactly one of `hashed_pii` / `external_identity` (spec C.1)."""

    hashed_pii: HashedPiiType | str | None = None
    external_identity: ExternalIdentityType | str | None = None


class Column(WireModel):
    name: str
    description: str | None = None
    data_type: DataType | str | None = None
    column_type: ColumnType | str | None = None
    # Responses carry `isNullable` and/or `nullable` [UNCERTAIN spec B.3]: accept both, send `nullable`.
    nullable: bool | None = Field(default=None, validation_alias=AliasChoices("nullable", "isNullable"))
    is_main_event_time: bool | None = None
    is_main_user_id: bool | None = None
    is_main_user_id_type: bool | None = None
    is_country_code: bool | None = None
    requires_one_way_hashing: bool | None = None
    consent_type: ConsentType | str | None = None
    external_user_id_type: ExternalUserIdType | None = None

    SCHEMA_FIELDS: ClassVar[frozenset[str]] = frozenset(
        {
            "name",
            "description",
            "data_type",
            "column_type",
            "nullable",
            "is_main_event_time",
            "is_main_user_id",
            "is_main_user_id_type",
            "is_country_code",
            "requires_one_way_hashing",
            "consent_type",
            "external_user_id_type",
        }
    )

    def to_request(self) -> dict[str, Any]:
        body = self.model_dump(mode="json", by_alias=True, exclude_none=True, include=set(self.SCHEMA_FIELDS))
        if self.external_user_id_type is not None:
            body["externalUserIdType"] = self.external_user_id_type.model_dump(
                mode="json", by_alias=True, exclude_none=True, include={"hashed_pii", "external_identity"}
            )
        return body


class DataSet(WireModel):
    """A dataset definition (request) or description (response: adds dataSetType, owner, times...)."""

    data_set_id: str
    description: str | None = None
    period: Period | str | None = None
    country_code: str | None = None
    customer_encryption_key_arn: str | None = None
    columns: list[Column] = Field(default_factory=list)
    data_set_type: str | None = None
    owner: str | None = None
    created_time: str | None = None
    updated_time: str | None = None

    def to_request(self) -> dict[str, Any]:
        """The create body's `dataSet` object: schema fields only (spec B.5, I.4)."""
        body = self.model_dump(
            mode="json",
            by_alias=True,
            exclude_none=True,
            include={"data_set_id", "description", "period", "country_code", "customer_encryption_key_arn"},
        )
        body["columns"] = [c.to_request() for c in self.columns]
        return body

    @property
    def is_fact(self) -> bool:
        if self.data_set_type:
            return self.data_set_type.upper() == "FACT"
        return any(c.is_main_event_time for c in self.columns)


class DataSetRef(WireModel):
    """Create/delete answer `{"dataSetId", "instanceId"}`."""

    data_set_id: str
    instance_id: str | None = None


class CsvDataFormat(RequestModel):
    field_delimiter: str | None = ","
    record_delimiter: str | None = None
    quote_character: str | None = '"'
    quote_escape_character: str | None = None
    comment_character: str | None = None


class UploadFileFormat(RequestModel):
    """Exactly one of the three (spec B.9)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow")

    csv_data_format: CsvDataFormat | None = None
    json_data_format: Literal["LINES", "DOCUMENT"] | None = None
    parquet_data_format: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> UploadFileFormat:
        chosen = [
            v
            for v in (self.csv_data_format, self.json_data_format, self.parquet_data_format)
            if v is not None
        ]
        if len(chosen) != 1:
            raise ValueError(
                "fileFormat needs exactly one of csvDataFormat, jsonDataFormat, parquetDataFormat"
            )
        return self

    @classmethod
    def of(cls, file_format: str) -> UploadFileFormat:
        """ "CSV" (comma, double quote: what the staging writer emits), "JSON"/"JSONL" (lines), "PARQUET"."""
        key = file_format.upper()
        if key == "CSV":
            return cls(csv_data_format=CsvDataFormat())
        if key in ("JSON", "JSONL", "JSON_LINES", "LINES"):
            return cls(json_data_format="LINES")
        if key == "PARQUET":
            return cls(parquet_data_format="PARQUET_DATA_FORMAT")
        raise AmcConfigError(f"unknown file format {file_format!r} (expected CSV, JSONL or PARQUET)")


class UploadDataSource(WireModel):
    """`sourceS3Bucket` and exactly one of file key, prefix, manifest key (spec B.9)."""

    source_s3_bucket: str
    source_file_s3_key: str | None = None
    source_s3_prefix: str | None = None
    source_manifest_s3_key: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> UploadDataSource:
        chosen = [
            v
            for v in (self.source_file_s3_key, self.source_s3_prefix, self.source_manifest_s3_key)
            if v is not None
        ]
        if len(chosen) != 1:
            raise ValueError(
                "dataSource needs exactly one of sourceFileS3Key, sourceS3Prefix, sourceManifestS3Key"
            )
        return self

    def same_source(self, other: UploadDataSource | None) -> bool:
        return other is not None and (
            self.source_s3_bucket,
            self.source_file_s3_key,
            self.source_s3_prefix,
            self.source_manifest_s3_key,
        ) == (
            other.source_s3_bucket,
            other.source_file_s3_key,
            other.source_s3_prefix,
            other.source_manifest_s3_key,
        )


CompressionFormat = Literal["GZIP", "BZIP", "ZIP", "SNAPPY", "NONE"]


class UploadRequest(RequestModel):
    update_strategy: UpdateStrategy = UpdateStrategy.ADDITIVE
    compression_format: CompressionFormat = "GZIP"
    country_code: str | None = None
    data_source: UploadDataSource
    file_format: UploadFileFormat

    @classmethod
    def from_manifest(
        cls,
        bucket: str,
        manifest_key: str,
        file_format: str = "CSV",
        update_strategy: UpdateStrategy | str = UpdateStrategy.ADDITIVE,
        country_code: str | None = None,
        *,
        compression_format: CompressionFormat = "GZIP",
    ) -> UploadRequest:
        source = UploadDataSource(source_s3_bucket=bucket, source_manifest_s3_key=manifest_key)
        return cls._of(source, file_format, update_strategy, country_code, compression_format)

    @classmethod
    def from_file(
        cls,
        bucket: str,
        key: str,
        file_format: str = "CSV",
        update_strategy: UpdateStrategy | str = UpdateStrategy.ADDITIVE,
        country_code: str | None = None,
        *,
        compression_format: CompressionFormat = "GZIP",
    ) -> UploadRequest:
        source = UploadDataSource(source_s3_bucket=bucket, source_file_s3_key=key)
        return cls._of(source, file_format, update_strategy, country_code, compression_format)

    @classmethod
    def from_prefix(
        cls,
        bucket: str,
        prefix: str,
        file_format: str = "CSV",
        update_strategy: UpdateStrategy | str = UpdateStrategy.ADDITIVE,
        country_code: str | None = None,
        *,
        compression_format: CompressionFormat = "GZIP",
    ) -> UploadRequest:
        source = UploadDataSource(source_s3_bucket=bucket, source_s3_prefix=prefix)
        return cls._of(source, file_format, update_strategy, country_code, compression_format)

    @classmethod
    def _of(
        cls,
        source: UploadDataSource,
        file_format: str,
        update_strategy: UpdateStrategy | str,
        country_code: str | None,
        compression_format: CompressionFormat,
    ) -> UploadRequest:
        return cls(
            update_strategy=UpdateStrategy(update_strategy),
            compression_format=compression_format,
            country_code=country_code,
            data_source=source,
            file_format=UploadFileFormat.of(file_format),
        )

    def to_wire(self) -> dict[str, Any]:
        body = super().to_wire()
        body["dataSource"] = self.data_source.model_dump(
            mode="json",
            by_alias=True,
            exclude_none=True,
            include={"source_s3_bucket", "source_file_s3_key", "source_s3_prefix", "source_manifest_s3_key"},
        )
        return body


class CreateUploadResponse(WireModel):
    upload_id: str
    status: str | None = None


class Upload(WireModel):
    upload_id: str
    data_set_id: str | None = None
    instance_id: str | None = None
    status: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    country_code: str | None = None
    message: str | None = None
    metrics: dict[str, Any] | None = None
    data_source: UploadDataSource | None = None

    @property
    def succeeded(self) -> bool:
        return (self.status or "").upper() in SUCCESS_STATUSES

    @property
    def failed(self) -> bool:
        return (self.status or "").upper() in FAILURE_STATUSES

    @property
    def is_terminal(self) -> bool:
        return self.succeeded or self.failed


#: Identities per user deletion request (spec B.13).
MAX_DELETION_IDENTITIES = 1000


class UserDeletionRequestRef(WireModel):
    user_deletion_request_id: str


class UserDeletion(WireModel):
    """One user deletion request as returned by get/list (spec B.13)."""

    user_deletion_request_id: str
    status: str | None = None
    identity_count: int | None = None
    creation_date_time: str | None = Field(
        default=None,
        validation_alias=AliasChoices("creationDateTime", "creationDatetime", "creation_date_time"),
    )

    @property
    def succeeded(self) -> bool:
        return (self.status or "").upper() == "SUCCEEDED"

    @property
    def pending(self) -> bool:
        """No final status yet: PENDING (spec B.13) or none reported."""
        return (self.status or "PENDING").upper() == "PENDING"
