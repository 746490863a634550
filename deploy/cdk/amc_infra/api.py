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
    """`rest_api`, `handler` (PythonFunction), `url` (stage URL), `origin` (https://host, for the CSP);
    `add_routes(allowed_origin=...)` once the web app's URL exists.

    Routes: `ANY /api` and `ANY /api/{proxy+}` through the Cognito authorizer (ID token in the
    `Authorization` header); `GET /api/health` unauthenticated (liveness only, no data);
    `OPTIONS` preflights (CDK mock integrations, no Lambda) are unauthenticated as CORS requires.
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
        self._user_pool = user_pool
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
        # From the RestApi resource only (not the stage), so the web distribution's CSP can name it
        # while the API's CORS configuration names the distribution.
        self.origin = f"https://{self.rest_api.rest_api_id}.execute-api.{stack.region}.{stack.url_suffix}"
        self.url = self.rest_api.url

    def add_routes(self, *, allowed_origin: str) -> None:
        """Routes and CORS for the web app at `allowed_origin` (https://host)."""
        cors = apigw.CorsOptions(
            allow_origins=[allowed_origin],
            allow_methods=apigw.Cors.ALL_METHODS,
            allow_headers=["Authorization", "Content-Type"],
            max_age=Duration.hours(1),
        )
        # Authorizer and throttling answers come from API Gateway itself: give them CORS headers too,
        # so the browser can read a 401/429 instead of reporting a CORS failure.
        cors_headers = {
            "Access-Control-Allow-Origin": f"'{allowed_origin}'",
            "Access-Control-Allow-Headers": "'Authorization,Content-Type'",
        }
        for name, response_type in (
            ("Default4xx", apigw.ResponseType.DEFAULT_4_XX),
            ("Default5xx", apigw.ResponseType.DEFAULT_5_XX),
        ):
            self.rest_api.add_gateway_response(name, type=response_type, response_headers=cors_headers)
        validator = self.rest_api.add_request_validator(
            "Validator", validate_request_parameters=True, validate_request_body=True
        )
        authorizer = apigw.CognitoUserPoolsAuthorizer(
            self, "Authorizer", cognito_user_pools=[self._user_pool], results_cache_ttl=Duration.minutes(5)
        )
        integration = apigw.LambdaIntegration(self.handler.function, allow_test_invoke=False)
        authorized = {
            "authorizer": authorizer,
            "authorization_type": apigw.AuthorizationType.COGNITO,
            "request_validator": validator,
        }
        api_root = self.rest_api.root.add_resource("api", default_cors_preflight_options=cors)
        api_root.add_method("ANY", integration, **authorized)  # type: ignore[arg-type]
        proxy = api_root.add_resource("{proxy+}", default_cors_preflight_options=cors)
        proxy.add_method("ANY", integration, **authorized)  # type: ignore[arg-type]
        health = api_root.add_resource("health", default_cors_preflight_options=cors)
        health.add_method(
            "GET", integration, authorization_type=apigw.AuthorizationType.NONE, request_validator=validator
        )
