"""REST API v1: shared conventions (pagination, errors, permissions, auth, throttles) and routes."""
