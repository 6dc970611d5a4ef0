package integration

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"vouchdesk/backend/outbox"
	"vouchdesk/backend/store"
)

// Several `vouchd serve` processes on one PostgreSQL database (issue 17), against the real Postfix
// and Dovecot: the outbox drained by two nodes across a kill -9 of one (nodes_test.go), the
// mailbox watcher taken over by the survivor when the leader is killed, and a customer's chat on
// one node getting a reply written elsewhere (livechat_nodes_test.go).

var requeuedLine = regexp.MustCompile(`requeued messages interrupted while sending" count=(\d+)`)

// TestTwoNodesOutboxKill9: two `vouchd serve` nodes on one PostgreSQL database drain the same
// 1,000 queued emails into Postfix; node A is killed with SIGKILL in the middle of a batch; node B
// goes on, and once A's presence has ended (its PostgreSQL session ends with its connection) puts
// A's half-sent rows back (store.RequeueInterruptedOutbox, every 10 s) and sends them; A is started
// again and joins. Every email arrives; none is handed to Postfix twice but, at most, the first one
// left "sending" on each of A's connections (the duplicate window), with the same Message-ID; no
// email is claimed by two nodes otherwise.
func TestTwoNodesOutboxKill9(t *testing.T) {
	e := env(t)
	c := newCluster(t, e, false)
	const (
		killAfter = 600 // sent by both together, and A in the middle of a batch
		batch     = 50  // the worker's default batch
	)
	orgID := c.setup()
	st := c.openStore()
	box := openMailbox(t, e)
	emails := make([]outbox.Email, bulk)
	for i := range emails {
		emails[i] = testEmail(orgID, e.user, fmt.Sprintf("nodes-kill9-%04d", i))
		emails[i].FromAddr = e.user
	}
	msgs := enqueue(t, st, emails...)
	want := make([]string, len(msgs))
	for i, m := range msgs {
		want[i] = msgID(m)
	}

	start := time.Now()
	a, keyA := c.start("node A")
	b, keyB := c.start("node B")
	bothAt, sentAtBoth := time.Now(), c.counts().status[store.OutboxSent]
	var atKill outboxState
	for {
		atKill = c.counts()
		if atKill.status[store.OutboxSent] >= killAfter && atKill.byNode[keyA][store.OutboxSending] > 0 {
			break
		}
		if a.exited() || b.exited() {
			t.Fatalf("a node exited by itself (A: %v, B: %v) with outbox %v", a.err, b.err, atKill.status)
		}
		if time.Since(bothAt) > time.Minute {
			t.Fatalf("outbox a minute after both nodes started: %v (by node %v)", atKill.status, atKill.byNode)
		}
		time.Sleep(5 * time.Millisecond)
	}
	a.kill9()
	killedAt := time.Now()
	// A's rows left "sending", as this process sees them right after the kill. PostgreSQL may
	// still finish a commit A sent just before it died (a "sent" record, or a claim): which rows
	// were really interrupted is read at the end (the ones claimed twice).
	leftSending := c.outboxRows(`claimed_by = ? AND status = 'sending'`, keyA)
	sentByA, sentByB := c.counts().byNode[keyA][store.OutboxSent], c.counts().byNode[keyB][store.OutboxSent]
	t.Logf("node A killed (SIGKILL) %.2fs after both started: %d sent (A %d, B %d), %d of A's sending",
		killedAt.Sub(bothAt).Seconds(), sentByA+sentByB, sentByA, sentByB, len(leftSending))
	if sentByA == 0 || sentByB == 0 {
		t.Errorf("before the kill node A sent %d and node B %d: want both nodes sending", sentByA, sentByB)
	}

	// A's presence ends with its session; B puts A's rows back within its requeue period.
	for deadline := time.Now().Add(30 * time.Second); c.presentNodes()[keyA]; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("node A's presence lock still held 30 s after its kill")
		}
	}
	goneAfter := time.Since(killedAt)
	if !b.waitOutput("requeued messages interrupted while sending", 30*time.Second) {
		t.Fatalf("node B did not requeue node A's interrupted messages within 30 s of the kill; outbox %v", c.counts().status)
	}
	requeuedAfter := time.Since(killedAt)
	requeued := -1
	if m := requeuedLine.FindStringSubmatch(b.out.String()); m != nil {
		requeued, _ = strconv.Atoi(m[1])
	}

	// A comes back and joins.
	a2, keyA2 := c.start("node A restarted")
	for {
		s := c.counts()
		if s.status[store.OutboxSent] == bulk {
			break
		}
		if a2.exited() || b.exited() {
			t.Fatalf("a node exited by itself (A: %v, B: %v) with outbox %v", a2.err, b.err, s.status)
		}
		if time.Since(killedAt) > 2*time.Minute {
			t.Fatalf("outbox 2 min after the kill: %v (by node %v)", s.status, s.byNode)
		}
		time.Sleep(20 * time.Millisecond)
	}
	allSent := time.Now()
	final := c.counts()
	a2.stop(15 * time.Second)
	b.stop(15 * time.Second)
	logProblems(t, a, b, a2)

	// The interrupted ones: with a relay that takes every email, a row is claimed twice only when
	// the node that claimed it first died before recording it, and only B's requeue puts such a
	// row back (A2 started after it). Each must have gone out again from another node.
	rows := c.outboxRows("")
	if len(rows) != bulk {
		t.Errorf("the outbox holds %d messages, want %d", len(rows), bulk)
	}
	wasSending := map[string]bool{}
	for _, r := range leftSending {
		wasSending[r.messageID] = true
	}
	var interrupted []outboxRow
	lateRecords := 0 // left sending in the snapshot, then recorded sent by A's last commit
	for _, r := range rows {
		switch {
		case r.status != store.OutboxSent:
			t.Errorf("<%s>: status %s, want sent", r.messageID, r.status)
		case r.attempts == 1:
			// Claimed once: sent by one node only.
			if wasSending[r.messageID] {
				lateRecords++
			}
		case r.attempts == 2 && r.claimedBy != keyA:
			interrupted = append(interrupted, r)
		default:
			t.Errorf("<%s> was claimed %d times, the last by node %x; want once, or twice with the second by a node other than A (A %x, B %x, A restarted %x)",
				r.messageID, r.attempts, r.claimedBy, keyA, keyB, keyA2)
		}
	}
	if len(interrupted) == 0 || len(interrupted) > batch || requeued != len(interrupted) {
		t.Errorf("%d messages were claimed twice and node B's log says it requeued %d: want the same number, 1 to %d (node A's batch in flight)",
			len(interrupted), requeued, batch)
	}
	// The suspects: on each of A's connections, the first interrupted message in claim order
	// (next_attempt_at, id, both kept by the requeue): the next one's end of data waited for its
	// record.
	first := map[int]outboxRow{}
	interruptedIDs := map[string]bool{}
	for _, r := range interrupted {
		interruptedIDs[r.messageID] = true
		conn := outbox.ConnectionOf(r.id, outbox.DefaultConnections)
		if f, ok := first[conn]; !ok || r.next < f.next || (r.next == f.next && r.id < f.id) {
			first[conn] = r
		}
	}
	suspects := map[string]bool{}
	for _, f := range first {
		suspects[f.messageID] = true
	}

	got := box.waitFor(want, 2*time.Minute)
	allIn := time.Now()
	waitQuiet(t, box, 3*time.Second, 30*time.Second)
	got = box.arrivals()
	delivered, _, resent := exactlyOnce(t, want, got, tolerance{resends: outbox.DefaultConnections})
	for _, id := range resent {
		if !suspects[id] {
			t.Errorf("<%s> was handed to Postfix twice but was not the first interrupted on one of node A's connections (interrupted: %v)", id, interruptedIDs[id])
		}
	}

	twoNodes := killedAt.Sub(bothAt)
	t.Logf("FIGURE two nodes kill9: %d emails through two vouchd nodes on one PostgreSQL database to Postfix: %d sent in the %.2fs both ran before the kill (%.0f emails/s through two nodes; A %d, B %d in all by then); "+
		"node A killed -9 with %d interrupted (%d more seen sending were recorded by its last commit), its presence gone %.2fs later, requeued by node B %.2fs after the kill; "+
		"all %d sent %.2fs after the first start (%.0f emails/s overall, incl. starts, kill and requeue wait; sent last by A %d, B %d, restarted A %d); "+
		"%d/%d in the IMAP mailbox %.2fs after the first start, %d handed to Postfix twice (at most %d: one per connection of the killed node)",
		bulk, atKill.status[store.OutboxSent]-sentAtBoth, twoNodes.Seconds(), float64(atKill.status[store.OutboxSent]-sentAtBoth)/twoNodes.Seconds(), sentByA, sentByB,
		len(interrupted), lateRecords, goneAfter.Seconds(), requeuedAfter.Seconds(),
		bulk, allSent.Sub(start).Seconds(), float64(bulk)/allSent.Sub(start).Seconds(),
		final.byNode[keyA][store.OutboxSent], final.byNode[keyB][store.OutboxSent], final.byNode[keyA2][store.OutboxSent],
		delivered, bulk, allIn.Sub(start).Seconds(), len(resent), outbox.DefaultConnections)
}

// TestTwoNodesMailboxWatcherTakeover: two nodes watching the same IMAP mailbox; only the leader
// runs the watcher (a bounce report is recorded once). The leader is killed with SIGKILL; within
// 30 s the other says it leads (/healthz) and its watcher reads a bounce report that arrives after
// the kill: the email the survivor sends to an unknown mailbox becomes bounced. The killed node,
// started again, stays a follower.
func TestTwoNodesMailboxWatcherTakeover(t *testing.T) {
	e := env(t)
	c := newCluster(t, e, true)
	nobody := os.Getenv("VOUCHDESK_IT_BOUNCE_ADDR")
	if nobody == "" {
		t.Fatal("VOUCHDESK_IT_BOUNCE_ADDR must be set: scripts/mailservers.sh start writes it into DIR/env")
	}
	orgID := c.setup()
	st := c.openStore()
	key := strconv.FormatInt(time.Now().UnixNano(), 36)
	// To an unknown mailbox, with the watched account as the envelope sender: Postfix accepts it,
	// then mails its report to the watched mailbox.
	bouncing := func(name string) store.OutboxMessage {
		m := testEmail(orgID, nobody, name+"-"+key)
		m.FromAddr = e.user
		return enqueue(t, st, m)[0]
	}
	waitBounced := func(m store.OutboxMessage, deadline time.Time) (store.OutboxMessage, bool) {
		for ; time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			got, err := st.OutboxByID(ctx, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status == store.OutboxBounced {
				return got, true
			}
			if got.Status == store.OutboxFailed {
				t.Fatalf("the email to %s failed at the relay (%s); it must be accepted, then bounce", nobody, got.LastError)
			}
		}
		got, _ := st.OutboxByID(ctx, m.ID)
		return got, false
	}
	a, _ := c.start("node A")
	b, _ := c.start("node B")
	var leader, follower *vouchdNode
	for deadline := time.Now().Add(20 * time.Second); leader == nil; time.Sleep(50 * time.Millisecond) {
		ha, errA := a.health()
		hb, errB := b.health()
		switch {
		case errA == nil && errB == nil && ha.Role == "leader" && hb.Role == "follower":
			leader, follower = a, b
		case errA == nil && errB == nil && ha.Role == "follower" && hb.Role == "leader":
			leader, follower = b, a
		case errA == nil && errB == nil && ha.Role == "leader" && hb.Role == "leader":
			t.Fatalf("both nodes say they lead: %+v, %+v", ha, hb)
		case time.Now().After(deadline):
			t.Fatalf("/healthz 20 s after the start: A %+v %v, B %+v %v; want one leader and one follower", ha, errA, hb, errB)
		}
	}
	t.Logf("%s leads, %s follows", leader.name, follower.name)
	if !leader.waitOutput("this node leads", 5*time.Second) || strings.Contains(follower.out.String(), "this node leads") {
		t.Errorf("the logs disagree with /healthz: only %s should say it leads", leader.name)
	}
	// The first report, read by the leader. Its email is queued once the leader's watcher is in:
	// this test is about the watcher changing nodes, not about mail that lands while it takes
	// its first look.
	if !leader.waitOutput("mailbox watcher: connected", 15*time.Second) {
		t.Fatalf("the leader's mailbox watcher did not connect within 15 s")
	}
	before := bouncing("takeover-before")
	if got, ok := waitBounced(before, time.Now().Add(30*time.Second)); !ok {
		t.Fatalf("the email queued before the kill is %q 30 s after it was queued, not bounced: the leader's watcher did not read its report", got.Status)
	}

	leader.kill9()
	killedAt := time.Now()
	after := bouncing("takeover-after")
	tookOver, ok := follower.waitRole("leader", 30*time.Second)
	if !ok {
		h, err := follower.health()
		t.Fatalf("30 s after the leader's kill the survivor's /healthz = %+v, %v; want role leader", h, err)
	}
	got, ok := waitBounced(after, killedAt.Add(30*time.Second))
	if !ok {
		t.Fatalf("the email queued after the kill is %q 30 s after it, not bounced: the survivor's watcher did not read its report", got.Status)
	}
	bouncedAt := time.Now()
	if got.BounceKind != store.BounceHard || got.BounceReason != "mailbox unknown (5.1.1)" {
		t.Errorf("bounced email = kind %q reason %q, want hard \"mailbox unknown (5.1.1)\"", got.BounceKind, got.BounceReason)
	}
	if !follower.waitOutput("this node leads", time.Second) {
		t.Errorf("the survivor's log does not say it leads")
	}

	// The killed node comes back as a follower: the survivor's leader lock lives on. Two of the
	// follower's checks (every 3 s, engine/leader.go) without it leading.
	back, _ := c.start(leader.name + " restarted")
	if _, ok := back.waitRole("follower", 15*time.Second); !ok {
		t.Fatalf("the restarted node's /healthz does not say follower")
	}
	time.Sleep(7 * time.Second)
	hb, errB := back.health()
	hs, errS := follower.health()
	if errB != nil || errS != nil || hb.Role != "follower" || hs.Role != "leader" {
		t.Errorf("7 s after the restart: restarted node %+v %v, survivor %+v %v; want follower and leader", hb, errB, hs, errS)
	}
	back.stop(15 * time.Second)
	follower.stop(15 * time.Second)
	logProblems(t, leader, follower, back)
	t.Logf("FIGURE two nodes watcher takeover: leader killed -9; the survivor said it leads %.2fs later, and recorded the bounce of an email queued after the kill %.2fs after it",
		tookOver.Sub(killedAt).Seconds(), bouncedAt.Sub(killedAt).Seconds())
}
