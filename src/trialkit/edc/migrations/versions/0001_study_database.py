"""The study database: every entity of issue 16, and the append-only audit trail.

Revision ID: 0001
Revises:
Create Date: 2026-12-08 03:21:12.684611
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_event",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("site", sa.String(length=8), nullable=True),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("field", sa.String(length=128), nullable=False),
        sa.Column("old", sa.Text(), nullable=True),
        sa.Column("new", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("previous", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_event")),
    )
    op.create_table(
        "chain_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chain_head")),
    )
    op.create_table(
        "site",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site")),
        sa.UniqueConstraint("code", name=op.f("uq_site_code")),
    )
    op.create_table(
        "study",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("protocol_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("protocol", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_study")),
        sa.UniqueConstraint("protocol_id", "version", name=op.f("uq_study_protocol_id")),
    )
    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("password", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("username", name=op.f("uq_user_account_username")),
    )
    op.create_table(
        "interim_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("protocol_id", sa.String(length=64), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("responses", sa.Integer(), nullable=False),
        sa.Column("patients", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("by_user_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_user_id"],
            ["user_account.id"],
            name=op.f("fk_interim_decision_by_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interim_decision")),
        sa.UniqueConstraint("protocol_id", "stage", name=op.f("uq_interim_decision_protocol_id")),
    )
    op.create_table(
        "role_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_role_assignment_site_id_site")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_role_assignment_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_assignment")),
        sa.UniqueConstraint("user_id", "site_id", "role", name=op.f("uq_role_assignment_user_id")),
    )
    op.create_table(
        "subject",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("protocol_id", sa.String(length=64), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=32), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("sex", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_subject_site_id_site")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject")),
        sa.UniqueConstraint("protocol_id", "label", name=op.f("uq_subject_protocol_id")),
    )
    op.create_table(
        "anchor_date",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("anchor", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subject.id"], name=op.f("fk_anchor_date_subject_id_subject")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anchor_date")),
        sa.UniqueConstraint("subject_id", "anchor", name=op.f("uq_anchor_date_subject_id")),
    )
    op.create_table(
        "consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("document_version", sa.String(length=32), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("obtained_by", sa.Integer(), nullable=False),
        sa.Column("withdrawn_on", sa.Date(), nullable=True),
        sa.Column("withdrawal_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["obtained_by"], ["user_account.id"], name=op.f("fk_consent_obtained_by_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subject.id"], name=op.f("fk_consent_subject_id_subject")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent")),
    )
    op.create_table(
        "enrolment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("protocol_id", sa.String(length=64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=True),
        sa.Column("arm", sa.String(length=64), nullable=False),
        sa.Column("enrolled_on", sa.Date(), nullable=False),
        sa.Column("by_user_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_user_id"], ["user_account.id"], name=op.f("fk_enrolment_by_user_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["study_id"], ["study.id"], name=op.f("fk_enrolment_study_id_study")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subject.id"], name=op.f("fk_enrolment_subject_id_subject")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolment")),
        sa.UniqueConstraint("protocol_id", "number", name=op.f("uq_enrolment_protocol_id")),
        sa.UniqueConstraint("subject_id", name=op.f("uq_enrolment_subject_id")),
    )
    op.create_table(
        "screening",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("index_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("snapshot", sa.Text(), nullable=False),
        sa.Column("by_user_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_user_id"], ["user_account.id"], name=op.f("fk_screening_by_user_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["study_id"], ["study.id"], name=op.f("fk_screening_study_id_study")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subject.id"], name=op.f("fk_screening_subject_id_subject")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening")),
    )
    op.create_table(
        "visit_instance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("visit", sa.String(length=64), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("visit_date", sa.Date(), nullable=True),
        sa.Column("out_of_window", sa.Boolean(), nullable=False),
        sa.Column("missed_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subject.id"], name=op.f("fk_visit_instance_subject_id_subject")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_instance")),
        sa.UniqueConstraint(
            "subject_id", "visit", "cycle", name=op.f("uq_visit_instance_subject_id")
        ),
    )
    op.create_table(
        "form_instance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("form", sa.String(length=64), nullable=False),
        sa.Column("visit_instance_id", sa.Integer(), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("observed_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["study_id"], ["study.id"], name=op.f("fk_form_instance_study_id_study")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subject.id"], name=op.f("fk_form_instance_subject_id_subject")
        ),
        sa.ForeignKeyConstraint(
            ["visit_instance_id"],
            ["visit_instance.id"],
            name=op.f("fk_form_instance_visit_instance_id_visit_instance"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_instance")),
        sa.UniqueConstraint(
            "subject_id",
            "form",
            "visit_instance_id",
            "sequence",
            name=op.f("uq_form_instance_subject_id"),
        ),
    )
    op.create_table(
        "adverse_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form_instance_id", sa.Integer(), nullable=False),
        sa.Column("suggested_grade", sa.Integer(), nullable=True),
        sa.Column("suggestion", sa.Text(), nullable=True),
        sa.Column("confirmed_by", sa.Integer(), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("aware_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("report_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["confirmed_by"],
            ["user_account.id"],
            name=op.f("fk_adverse_event_confirmed_by_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["form_instance_id"],
            ["form_instance.id"],
            name=op.f("fk_adverse_event_form_instance_id_form_instance"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adverse_event")),
        sa.UniqueConstraint("form_instance_id", name=op.f("uq_adverse_event_form_instance_id")),
    )
    op.create_table(
        "item_value",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form_instance_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=128), nullable=False),
        sa.Column("entered", sa.Text(), nullable=False),
        sa.Column("entered_unit", sa.String(length=32), nullable=True),
        sa.Column("number", sa.Float(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("unit", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["form_instance_id"],
            ["form_instance.id"],
            name=op.f("fk_item_value_form_instance_id_form_instance"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_value")),
        sa.UniqueConstraint(
            "form_instance_id", "item", name=op.f("uq_item_value_form_instance_id")
        ),
    )
    op.create_table(
        "query",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form_instance_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=128), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["form_instance_id"],
            ["form_instance.id"],
            name=op.f("fk_query_form_instance_id_form_instance"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_query")),
    )
    op.create_table(
        "signature",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("form_instance_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("meaning", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["form_instance_id"],
            ["form_instance.id"],
            name=op.f("fk_signature_form_instance_id_form_instance"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subject.id"], name=op.f("fk_signature_subject_id_subject")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_signature_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signature")),
    )
    op.create_table(
        "query_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("query_id", sa.Integer(), nullable=False),
        sa.Column("by_user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_user_id"],
            ["user_account.id"],
            name=op.f("fk_query_message_by_user_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["query_id"], ["query.id"], name=op.f("fk_query_message_query_id_query")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_query_message")),
    )
    op.execute(
        sa.text("INSERT INTO chain_head (id, seq, hash) VALUES (1, 0, :genesis)").bindparams(
            genesis="0" * 64
        )
    )
    for statement in _APPEND_ONLY[op.get_bind().dialect.name]:
        op.execute(statement)


_APPEND_ONLY = {
    # the database itself refuses to change or remove an audit event (issue 16)
    "sqlite": [
        "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: an update is refused'); END",
        "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: a delete is refused'); END",
    ],
    "postgresql": [
        "CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION 'audit_event is append-only: % is refused', TG_OP; END $$",
        "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
        "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
        "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
    ],
}


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_event_no_truncate ON audit_event")
        op.execute("DROP TRIGGER audit_event_no_change ON audit_event")
        op.execute("DROP FUNCTION audit_event_append_only()")
    op.drop_table("query_message")
    op.drop_table("signature")
    op.drop_table("query")
    op.drop_table("item_value")
    op.drop_table("adverse_event")
    op.drop_table("form_instance")
    op.drop_table("visit_instance")
    op.drop_table("screening")
    op.drop_table("enrolment")
    op.drop_table("consent")
    op.drop_table("anchor_date")
    op.drop_table("subject")
    op.drop_table("role_assignment")
    op.drop_table("interim_decision")
    op.drop_table("user_account")
    op.drop_table("study")
    op.drop_table("site")
    op.drop_table("chain_head")
    op.drop_table("audit_event")
