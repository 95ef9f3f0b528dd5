"""The service around the pipeline: the job and card store (SQLAlchemy, Alembic), the intake that turns
submitted ids into queued jobs, and the FastAPI app."""
