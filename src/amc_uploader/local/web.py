"""Serve the built web app next to the API: static files, `/runtime-config.json`, SPA fallback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from amc_uploader.api.security_headers import security_headers

REPO_WEB_DIST = Path(__file__).resolve().parents[3] / "web" / "dist"


def find_web_dist(explicit: Path | None = None) -> Path | None:
    """`explicit`, else `web/dist` of a source checkout; None when the app is not built."""
    for candidate in (explicit, REPO_WEB_DIST):
        if candidate is not None and (candidate / "index.html").is_file():
            return candidate
    return None


#: The API's docs page (local stack only): Swagger UI from the web build (`web/public/api-docs/` and the
#: swagger-ui-dist package, copied by `web/vite.config.ts`), so it needs no CDN.
DOCS_PATH = "/api/docs"
DOCS_PAGE = Path("api-docs") / "index.html"


def add_security_headers(app: FastAPI) -> None:
    """Every response carries the CloudFront policy's headers (`api.security_headers`); the web app talks
    only to its own origin locally (sign-in through /api/auth), so the CSP names no other source."""

    @app.middleware("http")
    async def secure(request: Request, call_next: Any) -> Any:
        response = await call_next(request)
        headers = security_headers(https=request.url.scheme == "https")
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response


def mount_web(app: FastAPI, dist: Path | None, runtime_config: dict[str, Any]) -> None:
    @app.get("/runtime-config.json", include_in_schema=False)
    def runtime_config_json() -> JSONResponse:
        return JSONResponse(runtime_config, headers={"Cache-Control": "no-store"})

    root = dist.resolve() if dist is not None else None

    @app.get(DOCS_PATH, include_in_schema=False)
    def docs() -> Response:
        if root is None or not (root / DOCS_PAGE).is_file():
            return _not_built()
        return FileResponse(root / DOCS_PAGE, headers={"Cache-Control": "no-cache"})

    @app.get("/{path:path}", include_in_schema=False)
    def static(path: str, request: Request) -> Response:
        if path == "api" or path.startswith("api/"):
            raise HTTPException(status_code=404, detail="No such API route.")
        if root is None:
            return _not_built()
        if path:
            candidate = (root / path).resolve()
            if candidate.is_relative_to(root) and candidate.is_file():
                cache = "public, max-age=31536000, immutable" if path.startswith("assets/") else "no-cache"
                return FileResponse(candidate, headers={"Cache-Control": cache})
        # SPA routing: every other path is the app's index.html.
        return FileResponse(root / "index.html", headers={"Cache-Control": "no-cache"})


def _not_built() -> JSONResponse:
    return JSONResponse(
        {"error": "web_not_built", "message": "The web app is not built: run `cd web && npm run build`."},
        status_code=404,
    )
