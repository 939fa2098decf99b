"""The SQLite unit tests of crpbot.db, collected again here to run on real PostgreSQL too.

`db_url` comes from tests/integration/conftest.py (parametrized sqlite|postgres), so every
behaviour below — idempotent re-runs, aware timestamps, registry, migrations vs. models, a
migration that rebuilds a table — is checked on both backends without a second copy of the
tests.
"""

from tests.unit.db.test_migrations import (
    test_downgrade_to_base_removes_every_table,
    test_migration_0002_drops_decision_id_keeping_rows_and_constraints,
    test_migrations_compare_detects_a_missing_schema,
    test_migrations_produce_exactly_the_models_schema,
    test_upgrade_reports_head_and_is_idempotent,
)
from tests.unit.db.test_ops import (
    test_bot_pause_flag_survives_a_restart,
    test_calibration_changes_are_logged_newest_first,
    test_scan_cycles_record_and_list_by_bot,
)
from tests.unit.db.test_outcomes import (
    test_save_outcome_for_unknown_signal_is_refused,
    test_save_outcome_resolves_a_signal_once,
    test_unresolved_signals_oldest_first_skipping_resolved_and_errors,
)
from tests.unit.db.test_patterns import (
    test_add_pattern_counts_accumulates_per_bucket,
    test_replace_pattern_stats_overwrites_totals,
)
from tests.unit.db.test_registry import (
    test_promote_model_archives_the_previous_production,
    test_registry_database_allows_one_production_per_name,
    test_rollback_model_walks_back_through_promotions,
)
from tests.unit.db.test_scored_bars import (
    test_save_scored_bars_stores_new_keys_and_keeps_stored_ones,
)
from tests.unit.db.test_signals import (
    test_recent_signals_newest_first_with_filters,
    test_save_signal_each_key_column_makes_a_new_signal,
    test_save_signal_rerun_of_a_cycle_stores_nothing_new,
    test_save_signal_same_instant_in_another_zone_is_the_same_key,
    test_save_signals_returns_each_keys_stored_row_in_order_first_write_wins,
    test_save_signals_same_as_one_by_one_across_select_chunks,
    test_set_signal_statuses_records_every_verdict,
    test_set_signal_statuses_with_an_unknown_id_changes_nothing,
    test_signal_round_trips_every_field_with_aware_utc_times,
    test_signal_status_outside_the_vocabulary_is_refused,
    test_signal_unique_key_is_enforced_by_the_database,
)

__all__ = [
    "test_add_pattern_counts_accumulates_per_bucket",
    "test_bot_pause_flag_survives_a_restart",
    "test_calibration_changes_are_logged_newest_first",
    "test_downgrade_to_base_removes_every_table",
    "test_migration_0002_drops_decision_id_keeping_rows_and_constraints",
    "test_migrations_compare_detects_a_missing_schema",
    "test_migrations_produce_exactly_the_models_schema",
    "test_promote_model_archives_the_previous_production",
    "test_recent_signals_newest_first_with_filters",
    "test_registry_database_allows_one_production_per_name",
    "test_replace_pattern_stats_overwrites_totals",
    "test_rollback_model_walks_back_through_promotions",
    "test_save_outcome_for_unknown_signal_is_refused",
    "test_save_outcome_resolves_a_signal_once",
    "test_save_scored_bars_stores_new_keys_and_keeps_stored_ones",
    "test_save_signal_each_key_column_makes_a_new_signal",
    "test_save_signal_rerun_of_a_cycle_stores_nothing_new",
    "test_save_signal_same_instant_in_another_zone_is_the_same_key",
    "test_save_signals_returns_each_keys_stored_row_in_order_first_write_wins",
    "test_save_signals_same_as_one_by_one_across_select_chunks",
    "test_scan_cycles_record_and_list_by_bot",
    "test_set_signal_statuses_records_every_verdict",
    "test_set_signal_statuses_with_an_unknown_id_changes_nothing",
    "test_signal_round_trips_every_field_with_aware_utc_times",
    "test_signal_status_outside_the_vocabulary_is_refused",
    "test_signal_unique_key_is_enforced_by_the_database",
    "test_unresolved_signals_oldest_first_skipping_resolved_and_errors",
    "test_upgrade_reports_head_and_is_idempotent",
]
