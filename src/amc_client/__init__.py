"""Amazon Marketing Cloud API client, S3 staging contract and a local AMC sandbox."""
