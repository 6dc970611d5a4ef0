package engine_test

import (
	"database/sql"
	"testing"
)

// TestChatStartIsOneTransaction: POST /sessions writes the device, the conversation and the email
// given in one transaction. A fault at any step (injected with a trigger that aborts one insert)
// leaves nothing behind: no device without its chat, no chat without its email.
func TestChatStartIsOneTransaction(t *testing.T) {
	c := newChatEnv(t, false)
	db, err := sql.Open("sqlite3", "file:"+c.path+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, fault := range []struct{ name, trigger string }{
		{"the conversation", `CREATE TRIGGER fault BEFORE INSERT ON conversations WHEN NEW.visitor_name = 'Fault'
			BEGIN SELECT RAISE(ABORT, 'injected fault'); END`},
		{"the email's contact", `CREATE TRIGGER fault BEFORE INSERT ON contacts WHEN NEW.name = 'Fault'
			BEGIN SELECT RAISE(ABORT, 'injected fault'); END`},
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
		if _, err := db.Exec(`DROP TRIGGER fault`); err != nil {
			t.Fatal(err)
		}
	}
	// And without the fault, the same start works.
	if a := c.start("fault@example.com", ""); a.Session == "" {
		t.Fatalf("start after the faults = %+v", a)
	}
}
