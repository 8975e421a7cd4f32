-- Hand-written: the audit trail is append-only. Rows may be inserted, never changed or removed.
CREATE OR REPLACE FUNCTION mapmint_forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER upload_events_append_only
  BEFORE UPDATE OR DELETE ON upload_events
  FOR EACH ROW EXECUTE FUNCTION mapmint_forbid_change();
