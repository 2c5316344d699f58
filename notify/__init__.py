"""Outbound notifications: webhook deliveries over HTTP, signed per endpoint."""
