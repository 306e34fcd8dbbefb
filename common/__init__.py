"""The shared library below every app: API errors and conventions, xlsx and PDF writers, formats,
figures and periods, parsing, uploads and writes, document runs, the embedded servers, the replica
router. It imports no app and no configuration (``anshan_projects``: settings, URLs, the Celery app);
the layers are checked by ``lint-imports`` (pyproject.toml)."""
