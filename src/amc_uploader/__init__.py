"""The AMC upload job, its CLI, the REST API and the local stack."""

__version__ = "0.1.0"
