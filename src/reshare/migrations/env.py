"""Alembic environment: uses the engine handed over by ``reshare.migrate``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

from reshare import capabilities
from reshare.db import Base

capabilities.load_models()
target_metadata = Base.metadata
config = context.config


def run() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        engine = engine_from_config(config.get_section(config.config_ini_section) or {},
                                    prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run()
