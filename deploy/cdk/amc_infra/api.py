"""API Gateway REST API (Cognito authorizer on every method but the health check) + the API Lambda."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from amc_infra.functions import LOG_RETENTION, PythonFunction

STAGE_NAME = "prod"
THROTTLE_RATE = 50
THROTTLE_BURST = 100
# Bodies API Gateway passes base64-encoded to the Lambda (file uploads); Mangum decodes them.
BINARY_MEDIA_TYPES = ["multipart/form-data", "application/octet-stream", "application/gzip"]
UNAUTHENTICATED_ROUTES = ("GET /api/health",)


class Api(Construct):
    """`rest_api`, `handler` (PythonFunction), `url` (stage URL), `domain_name` + `stage_path` (for the
    CloudFront origin that serves the API under the web app's own origin at /api/*).

    Routes: `ANY /api` and `ANY /api/{proxy+}` through the Cognito authorizer (ID token in the
    `Authorization` header, `Bearer ` prefix accepted); `GET /api/health` unauthenticated (liveness
    only, no data). No CORS: the browser reaches the API through the web app's origin.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        bundle_dir: Path,
        key: kms.IKey,
        user_pool: cognito.IUserPool,
        environment: dict[str, str],
    ) -> None:
        super().__init__(scope, id_)
        self.handler = PythonFunction(
            self,
            "Handler",
            bundle_dir=bundle_dir,
            handler="api.handler",
            description="AMC Uploader REST API",
            key=key,
            environment=environment,
            # API Gateway's integration timeout is 29 s.
            timeout=Duration.seconds(29),
            memory_size=1024,
        )
        access_logs = logs.LogGroup(
            self,
            "AccessLogs",
            encryption_key=key,
            retention=LOG_RETENTION,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.rest_api = apigw.RestApi(
            self,
            "RestApi",
            description="AMC Uploader REST API",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            binary_media_types=BINARY_MEDIA_TYPES,
            # The account-level role API Gateway needs to write access and execution logs.
            cloud_watch_role=True,
            cloud_watch_role_removal_policy=RemovalPolicy.RETAIN,
            deploy_options=apigw.StageOptions(
                stage_name=STAGE_NAME,
                throttling_rate_limit=THROTTLE_RATE,
                throttling_burst_limit=THROTTLE_BURST,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=False,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=True,
                ),
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,
                metrics_enabled=True,
            ),
        )
        stack = Stack.of(self)
        # The web distribution forwards /api/* here (same origin for the browser: no CORS needed).
        self.domain_name = f"{self.rest_api.rest_api_id}.execute-api.{stack.region}.{stack.url_suffix}"
        self.stage_path = f"/{STAGE_NAME}"
        self.url = self.rest_api.url

        validator = self.rest_api.add_request_validator(
            "Validator", validate_request_parameters=True, validate_request_body=True
        )
        authorizer = apigw.CognitoUserPoolsAuthorizer(
            self, "Authorizer", cognito_user_pools=[user_pool], results_cache_ttl=Duration.minutes(5)
        )
        integration = apigw.LambdaIntegration(self.handler.function, allow_test_invoke=False)
        api_root = self.rest_api.root.add_resource("api")
        for resource in (api_root, api_root.add_resource("{proxy+}")):
            resource.add_method(
                "ANY",
                integration,
                authorizer=authorizer,
                authorization_type=apigw.AuthorizationType.COGNITO,
                request_validator=validator,
            )
        api_root.add_resource("health").add_method(
            "GET", integration, authorization_type=apigw.AuthorizationType.NONE, request_validator=validator
        )
