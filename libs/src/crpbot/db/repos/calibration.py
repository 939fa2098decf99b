"""Calibration change log: every refit of the confidence calibrator, with before and after."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crpbot.db.mapping import column_values, record_from_row
from crpbot.db.models import CalibrationChange
from crpbot.db.records import CalibrationChangeRecord


def log_calibration_change(session: Session, change: CalibrationChangeRecord) -> int:
    """Store a calibrator refit; returns its id."""
    row = CalibrationChange(**column_values(change))
    session.add(row)
    session.flush()
    return row.id


def calibration_changes(session: Session, limit: int = 50) -> list[CalibrationChangeRecord]:
    """Refits, newest first."""
    rows = session.scalars(
        select(CalibrationChange)
        .order_by(CalibrationChange.ts.desc(), CalibrationChange.id.desc())
        .limit(limit)
    )
    return [record_from_row(CalibrationChangeRecord, row) for row in rows]
