"""Framework integrations (installed as ``aisec_sdk.integrations``)."""
