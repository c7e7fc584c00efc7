"""Alembic environment for the control tree, for the `alembic` command line.

Business OS itself runs migrations through db.migrate (see `bos schema-sync`);
this file lets `alembic -c db/alembic.ini -n control revision --autogenerate` work too.
"""

from alembic import context
from sqlalchemy import text

import db.models
from db.engines import one_off_engine
from db.topology import get_topology

tree = "control"
metadata = db.models.ControlBase.metadata if tree == "control" else db.models.TenantBase.metadata
topology = get_topology()
url = topology.control_url(admin=True) if tree == "control" else topology.shared_url("global", admin=True)

with one_off_engine(url).begin() as connection:
    schema = context.get_x_argument(as_dictionary=True).get("schema")
    if schema:
        connection.execute(text(f'SET LOCAL search_path TO "{schema}", public'))
    context.configure(connection=connection, target_metadata=metadata, version_table_schema=schema)
    context.run_migrations()
