"""A typed Python client for Cairn's API (httpx): `CairnClient(url, api_key)`."""

from client.http import CairnApiError, CairnClient, answer_of

__all__ = ["CairnApiError", "CairnClient", "answer_of"]
