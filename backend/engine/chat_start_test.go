package engine_test

import (
	"testing"
	"vouchdesk/backend/testutil"
)

// TestChatStartIsOneTransaction: POST /sessions writes the device, the conversation and the email
// given in one transaction. A fault at any step (injected with a trigger that aborts one insert)
// leaves nothing behind: no device without its chat, no chat without its email.
func TestChatStartIsOneTransaction(t *testing.T) {
	c := newChatEnv(t, false)
	db := testutil.OpenRaw(t, c.path)
	// A trigger that aborts one insert, in each database's words.
	fault := func(table, column string) string {
		if db.Postgres {
			return `CREATE FUNCTION fault() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$;
				CREATE TRIGGER fault BEFORE INSERT ON ` + table + ` FOR EACH ROW WHEN (NEW.` + column + ` = 'Fault') EXECUTE FUNCTION fault()`
		}
		return `CREATE TRIGGER fault BEFORE INSERT ON ` + table + ` WHEN NEW.` + column + ` = 'Fault'
			BEGIN SELECT RAISE(ABORT, 'injected fault'); END`
	}
	drop := `DROP TRIGGER fault`
	if db.Postgres {
		drop = `DROP FUNCTION fault() CASCADE`
	}
	for _, fault := range []struct{ name, trigger string }{
		{"the conversation", fault("conversations", "visitor_name")},
		{"the email's contact", fault("contacts", "name")},
	} {
		if _, err := db.Exec(fault.trigger); err != nil {
			t.Fatal(err)
		}
		devices := c.count(`SELECT count(*) FROM devices`)
		convs := c.count(`SELECT count(*) FROM conversations`)
		var out map[string]any
		st := c.call("POST", "/api/widget/v1/sessions", "", map[string]any{"inbox": c.inboxID(), "name": "Fault",
			"email": "fault@example.com"}, &out)
		if st != 500 {
			t.Fatalf("%s failing: POST /sessions = %d %v, want 500", fault.name, st, out)
		}
		if got := c.count(`SELECT count(*) FROM devices`); got != devices {
			t.Errorf("%s failing left %d devices behind", fault.name, got-devices)
		}
		if got := c.count(`SELECT count(*) FROM conversations`); got != convs {
			t.Errorf("%s failing left %d conversations behind", fault.name, got-convs)
		}
		if _, err := db.Exec(drop); err != nil {
			t.Fatal(err)
		}
	}
	// And without the fault, the same start works.
	if a := c.start("fault@example.com", ""); a.Session == "" {
		t.Fatalf("start after the faults = %+v", a)
	}
}
