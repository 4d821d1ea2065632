"""The trial's web application (FastAPI, Jinja2): pages over the study database's services."""
