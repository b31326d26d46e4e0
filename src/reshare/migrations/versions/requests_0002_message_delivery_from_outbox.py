"""request_messages.delivery 'outbox': a message sent through the ISO 18626 outbox shows its
outbox row's status instead of a copy written after each confirmed send

Revision ID: requests_0002
Revises: requests_0001
"""

from __future__ import annotations

from alembic import op

revision = 'requests_0002'
down_revision = 'requests_0001'
branch_labels = None
depends_on = None

# messages still 'queued' that the local (loopback) queue does not hold were queued in the
# ISO 18626 outbox: the outbox row tells how they ended from now on (one whose outbox id is
# also the id of an undelivered local-queue message keeps 'queued': only an installation that
# switched couriers while messages were queued can have both)
_QUEUED_IN_OUTBOX = """
UPDATE request_messages SET delivery = 'outbox'
WHERE delivery = 'queued' AND outbox_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM request_local_queue q
                  WHERE q.id = request_messages.outbox_id
                    AND q.tenant_id = request_messages.tenant_id AND q.delivered = false)
"""


def upgrade() -> None:
    op.execute(_QUEUED_IN_OUTBOX)


def downgrade() -> None:
    # the old code writes OK after each confirmed send: copy it from the outbox row
    bind = op.get_bind()
    has_outbox = bind.dialect.has_table(bind, "iso18626_outbox")
    delivered = ("""CASE WHEN EXISTS (SELECT 1 FROM iso18626_outbox o
                                      WHERE o.id = request_messages.outbox_id
                                        AND o.tenant_id = request_messages.tenant_id
                                        AND o.status = 'delivered')
                    THEN 'OK' ELSE 'queued' END""" if has_outbox else "'queued'")
    op.execute(f"UPDATE request_messages SET delivery = {delivered} WHERE delivery = 'outbox'")
