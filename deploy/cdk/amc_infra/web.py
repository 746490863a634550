"""The web app: private S3 bucket behind CloudFront (origin access control), security headers, SPA routing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from amc_uploader.api import security_headers as sh
from amc_uploader.api.security_headers import content_security_policy

__all__ = ["RUNTIME_CONFIG", "Web", "content_security_policy"]

RUNTIME_CONFIG = "runtime-config.json"
HSTS_MAX_AGE = Duration.seconds(sh.HSTS_MAX_AGE_SECONDS)


class Web(Construct):
    """`bucket`, `distribution`, `url` (https://<distribution domain>); `deploy(runtime_config)`."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        dist_dir: Path,
        logs_bucket: s3.IBucket,
        connect_sources: list[str],
        api_domain_name: str,
        api_origin_path: str,
        domain_name: str | None = None,
        certificate_arn: str | None = None,
    ) -> None:
        super().__init__(scope, id_)
        self._dist_dir = dist_dir
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            versioned=True,
            server_access_logs_bucket=logs_bucket,
            server_access_logs_prefix="s3/web/",
            lifecycle_rules=[s3.LifecycleRule(noncurrent_version_expiration=Duration.days(30))],
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.csp = content_security_policy(connect_sources)
        headers = cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            comment="AMC Uploader web app security headers",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=self.csp, override=True
                ),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=HSTS_MAX_AGE,
                    include_subdomains=sh.HSTS_INCLUDE_SUBDOMAINS,
                    preload=sh.HSTS_PRELOAD,
                    override=True,
                ),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=getattr(cloudfront.HeadersFrameOption, sh.FRAME_OPTIONS), override=True
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=getattr(
                        cloudfront.HeadersReferrerPolicy, sh.REFERRER_POLICY.upper().replace("-", "_")
                    ),
                    override=True,
                ),
            ),
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment="AMC Uploader web app",
            default_root_object="index.html",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=headers,
                compress=True,
            ),
            # The API under the same origin: no CORS, and the CSP needs no API host. Never cached;
            # every viewer header but Host (API Gateway routes on its own host name) is forwarded,
            # Authorization included (allowed when caching is disabled).
            additional_behaviors={
                "/api/*": cloudfront.BehaviorOptions(
                    origin=origins.HttpOrigin(
                        api_domain_name,
                        origin_path=api_origin_path,
                        protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
                        origin_ssl_protocols=[cloudfront.OriginSslPolicy.TLS_V1_2],
                    ),
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                    allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                    cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                    origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
                    response_headers_policy=headers,
                    compress=True,
                )
            },
            # SPA routing: unknown paths (403 from S3 without ListBucket, or 404) serve the app.
            error_responses=[
                cloudfront.ErrorResponse(
                    http_status=status,
                    response_http_status=200,
                    response_page_path="/index.html",
                    ttl=Duration.seconds(0),
                )
                for status in (403, 404)
            ],
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            # A custom domain needs an ACM certificate in us-east-1; only then can TLS 1.2+ be enforced
            # (the default *.cloudfront.net certificate has a fixed policy).
            domain_names=[domain_name] if domain_name else None,
            certificate=(
                acm.Certificate.from_certificate_arn(self, "Certificate", certificate_arn)
                if certificate_arn
                else None
            ),
            minimum_protocol_version=(
                cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 if certificate_arn else None
            ),
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            enable_logging=True,
            log_bucket=logs_bucket,
            log_file_prefix="cloudfront/",
        )
        self.custom_certificate = bool(certificate_arn)
        self.url = f"https://{domain_name or self.distribution.distribution_domain_name}"

    def deploy(self, runtime_config: dict[str, Any]) -> s3deploy.BucketDeployment:
        """The built app plus the generated runtime-config.json; invalidates the distribution."""
        return s3deploy.BucketDeployment(
            self,
            "Content",
            sources=[
                s3deploy.Source.asset(str(self._dist_dir)),
                s3deploy.Source.json_data(RUNTIME_CONFIG, runtime_config),
            ],
            destination_bucket=self.bucket,
            distribution=self.distribution,
            distribution_paths=["/*"],
            prune=True,
            memory_limit=512,
        )
