"""Cognito: admin-created users only, an admin group with the first admin, the web app's PKCE client."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_cognito as cognito
from constructs import Construct

ADMIN_GROUP = "admins"


class Auth(Construct):
    """`user_pool`, `admin_group_name`, `hosted_ui_url`; `add_web_client()` once the web URL is known."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        admin_email: str,
        domain_prefix: str,
        threat_protection: bool = False,
    ) -> None:
        super().__init__(scope, id_)
        stack = Stack.of(self)
        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(email=True, username=False),
            sign_in_case_sensitive=False,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            mfa=cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
            ),
            # Threat protection (formerly "advanced security") needs the Plus feature plan, billed per
            # monthly active user: off unless asked for. Switching the plan is an in-place update.
            feature_plan=cognito.FeaturePlan.PLUS if threat_protection else cognito.FeaturePlan.ESSENTIALS,
            standard_threat_protection_mode=(
                cognito.StandardThreatProtectionMode.FULL_FUNCTION if threat_protection else None
            ),
            user_invitation=cognito.UserInvitationConfig(
                email_subject="Your AMC Uploader account",
                email_body=(
                    f"An AMC Uploader account was created for you in stack {stack.stack_name}. "
                    "Username: {username} Temporary password: {####}"
                ),
            ),
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        if threat_protection:
            # Adaptive authentication: risky sign-ins must pass MFA (high risk even without enrolment,
            # which blocks them); sign-ins with credentials known to be leaked are blocked.
            risk = cognito.CfnUserPoolRiskConfigurationAttachment
            cognito.CfnUserPoolRiskConfigurationAttachment(
                self,
                "RiskConfiguration",
                user_pool_id=self.user_pool.user_pool_id,
                client_id="ALL",
                account_takeover_risk_configuration=risk.AccountTakeoverRiskConfigurationTypeProperty(
                    actions=risk.AccountTakeoverActionsTypeProperty(
                        high_action=risk.AccountTakeoverActionTypeProperty(
                            event_action="MFA_REQUIRED", notify=False
                        ),
                        medium_action=risk.AccountTakeoverActionTypeProperty(
                            event_action="MFA_IF_CONFIGURED", notify=False
                        ),
                        low_action=risk.AccountTakeoverActionTypeProperty(
                            event_action="MFA_IF_CONFIGURED", notify=False
                        ),
                    )
                ),
                compromised_credentials_risk_configuration=risk.CompromisedCredentialsRiskConfigurationTypeProperty(
                    actions=risk.CompromisedCredentialsActionsTypeProperty(event_action="BLOCK")
                ),
            )
        self.domain = self.user_pool.add_domain(
            "HostedUi", cognito_domain=cognito.CognitoDomainOptions(domain_prefix=domain_prefix)
        )
        self.hosted_ui_url = f"https://{domain_prefix}.auth.{stack.region}.amazoncognito.com"

        self.admin_group_name = ADMIN_GROUP
        group = cognito.CfnUserPoolGroup(
            self,
            "AdminGroup",
            user_pool_id=self.user_pool.user_pool_id,
            group_name=ADMIN_GROUP,
            description="Administrators: settings, LWA credentials and AMC instances",
        )
        admin = cognito.CfnUserPoolUser(
            self,
            "AdminUser",
            user_pool_id=self.user_pool.user_pool_id,
            username=admin_email,
            desired_delivery_mediums=["EMAIL"],
            user_attributes=[
                cognito.CfnUserPoolUser.AttributeTypeProperty(name="email", value=admin_email),
                cognito.CfnUserPoolUser.AttributeTypeProperty(name="email_verified", value="true"),
            ],
        )
        membership = cognito.CfnUserPoolUserToGroupAttachment(
            self,
            "AdminMembership",
            user_pool_id=self.user_pool.user_pool_id,
            group_name=ADMIN_GROUP,
            username=admin_email,
        )
        membership.add_resource_dependency(group)
        membership.add_resource_dependency(admin)
        self.client: cognito.UserPoolClient | None = None

    def add_web_client(self, web_url: str) -> cognito.UserPoolClient:
        """The web app's public client: authorization code + PKCE through the hosted UI, no secret."""
        self.client = self.user_pool.add_client(
            "WebClient",
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_srp=True),
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True),
                scopes=[cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
                callback_urls=[f"{web_url}/"],
                logout_urls=[f"{web_url}/"],
            ),
            supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
            access_token_validity=Duration.hours(1),
            id_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.days(1),
        )
        return self.client
