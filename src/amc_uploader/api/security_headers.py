"""The web app's security headers, one definition: the CDK's CloudFront response headers policy and the
local server (`amc_uploader.local.web`) both build theirs from here."""

from __future__ import annotations

from collections.abc import Sequence

HSTS_MAX_AGE_SECONDS = 730 * 24 * 3600
HSTS_INCLUDE_SUBDOMAINS = True
HSTS_PRELOAD = True
FRAME_OPTIONS = "DENY"
REFERRER_POLICY = "same-origin"
CONTENT_TYPE_OPTIONS = "nosniff"


def content_security_policy(connect_sources: Sequence[str] = ()) -> str:
    """Scripts, styles and fonts only from the site itself (which also serves the API under /api; inline
    styles allowed); XHR/fetch to the site and `connect_sources` (Cognito); no plugins, no framing."""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            # Vue inserts hoisted static markup (style="..." attributes included) through innerHTML,
            # which a strict style-src blocks; scripts stay strictly 'self'.
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src " + " ".join(["'self'", *connect_sources]),
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def strict_transport_security() -> str:
    parts = [f"max-age={HSTS_MAX_AGE_SECONDS}"]
    if HSTS_INCLUDE_SUBDOMAINS:
        parts.append("includeSubDomains")
    if HSTS_PRELOAD:
        parts.append("preload")
    return "; ".join(parts)


def security_headers(connect_sources: Sequence[str] = (), *, https: bool) -> dict[str, str]:
    """The headers of every response. HSTS only over HTTPS: browsers ignore it on plain HTTP (RFC 6797),
    and the local stack is plain HTTP on loopback."""
    headers = {
        "Content-Security-Policy": content_security_policy(connect_sources),
        "X-Content-Type-Options": CONTENT_TYPE_OPTIONS,
        "X-Frame-Options": FRAME_OPTIONS,
        "Referrer-Policy": REFERRER_POLICY,
    }
    if https:
        headers["Strict-Transport-Security"] = strict_transport_security()
    return headers
