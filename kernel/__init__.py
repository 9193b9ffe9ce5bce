"""Cairn's shared kernel: settings, domain types, the error hierarchy, telemetry and the metadata store.

Why a separate package: every stage (ingest, index, retrieval, agent, api, eval) needs these same few
definitions, and none of those stages should import another stage just to reach them. Keeping them here
lets the dependency arrows point one way (stages -> kernel) and keeps each stage package about its role.
"""
