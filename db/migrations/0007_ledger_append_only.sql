-- Hand-written: the reward ledger is append-only, like the audit trail (mapmint_forbid_change from 0002).
CREATE TRIGGER ledger_entries_append_only
  BEFORE UPDATE OR DELETE ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION mapmint_forbid_change();
