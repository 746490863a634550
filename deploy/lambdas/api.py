"""API Lambda: the FastAPI app behind API Gateway (REST, proxy integration) through Mangum."""

from __future__ import annotations

from mangum import Mangum

from amc_uploader.api import ApiSettings, create_app
from amc_uploader.api.logs import configure_logging

configure_logging()
# Built once per container; settings come from the AMC_* environment the stack sets.
handler = Mangum(create_app(ApiSettings()), lifespan="off")
