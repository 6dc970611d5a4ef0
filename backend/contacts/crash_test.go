package contacts_test

import (
	"bufio"
	"database/sql"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"vouchdesk/backend/contacts"
	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
)

// crashEnv names the environment variable that turns this test binary into the process that is
// killed mid-merge (TestMergeKilledMidTransactionLeavesBothContactsWhole).
const crashEnv = "VOUCHDESK_MERGE_CRASH_DB"

// TestMergeCrashHelper is not a test on its own: run by the test below in a child process, it
// opens the database, starts merging, says so once every row has moved, and waits to be killed
// inside the open transaction.
func TestMergeCrashHelper(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("runs only as the child of TestMergeKilledMidTransactionLeavesBothContactsWhole")
	}
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	args := strings.Fields(os.Getenv(crashEnv + "_ARGS")) // org survivor merged
	_ = st.Write(ctx, func(tx *store.Tx) error {
		if _, _, err := contacts.Merge(tx, args[0], args[1], args[2], store.SystemActor, "crash test", time.Now()); err != nil {
			t.Error(err)
			return err
		}
		os.Stdout.WriteString("MERGED-UNCOMMITTED\n")
		time.Sleep(time.Minute) // killed here
		return nil
	})
}

func TestMergeKilledMidTransactionLeavesBothContactsWhole(t *testing.T) {
	e := newEnv(t)
	ada, _, chats := e.person(e.org.ID, "Ada", store.FieldEmail, "ada@example.com", "ada@example.com", store.MethodEmailOTP, store.ConversationChat, 3)
	mo, _, calls := e.person(e.org.ID, "Mo", store.FieldPhone, "+12025550143", "+1 202-555-0143", store.MethodSystem, store.ConversationCall, 40)
	path := e.st.Path()
	if err := e.st.Close(); err != nil { // the child takes the database's writer
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestMergeCrashHelper$", "-test.v")
	cmd.Env = append(os.Environ(), crashEnv+"="+path, crashEnv+"_ARGS="+e.org.ID+" "+ada.ID+" "+mo.ID)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	reached := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "MERGED-UNCOMMITTED") {
				reached <- true
				return
			}
		}
		reached <- false
	}()
	select {
	case ok := <-reached:
		if !ok {
			t.Fatal("the child ended before merging")
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the child did not reach the middle of the merge")
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for id, want := range map[string][]string{ada.ID: chats, mo.ID: calls} {
		c, err := st.ContactByID(ctx, e.org.ID, id)
		if err != nil || c.Status != store.ContactActive || c.MergedInto != "" {
			t.Errorf("contact %s after the kill = %+v, %v; want active and whole", id, c, err)
		}
		for _, conv := range want {
			got, err := st.ConversationByID(ctx, e.org.ID, conv)
			if err != nil || got.ContactID != id {
				t.Errorf("conversation %s on %q after the kill, want %s (%v)", conv, got.ContactID, id, err)
			}
		}
	}
	if ms, err := st.MergesOf(ctx, e.org.ID, ada.ID); err != nil || len(ms) != 0 {
		t.Errorf("merges after the kill = %+v, %v; want none", ms, err)
	}
	if !testutil.Postgres() { // SQLite reads its whole file back
		db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var check string
		if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
			t.Errorf("integrity_check = %q, %v", check, err)
		}
	}
}
