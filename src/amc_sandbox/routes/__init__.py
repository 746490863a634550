"""The sandbox's routes, one module per resource; `amc_sandbox.app.create_app` includes them all."""
