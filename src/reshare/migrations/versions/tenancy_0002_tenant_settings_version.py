"""tenants.settings_version: lets processes cache a tenant's settings between transactions

Revision ID: tenancy_0002
Revises: tenancy_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'tenancy_0002'
down_revision = 'tenancy_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tenants') as batch:
        batch.add_column(sa.Column('settings_version', sa.Integer(), nullable=False,
                                   server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('tenants') as batch:
        batch.drop_column('settings_version')
