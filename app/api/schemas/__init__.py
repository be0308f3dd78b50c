"""Pydantic models of the JSON API: they validate requests and generate the OpenAPI document."""
