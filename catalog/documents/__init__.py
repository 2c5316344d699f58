"""Documents: datasheets, end-user certificates, licences and offer documents, attached to a
product or a quote; their content behind a small storage interface (storage.py)."""
