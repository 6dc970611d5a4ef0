package engine

import (
	"context"
	"time"
)

// Several vouchd nodes may share one PostgreSQL database. Every node serves the widget and sends
// mail (the outbox claims each email for one node); the jobs that must run once per database run
// only on the leader: the mailbox watchers (two nodes reading one IMAP mailbox would record each
// report twice) and the idle-chat sweep. The leader is the node holding the store's leader lock
// (store.Lead); a follower asks again every leadEvery and takes over as soon as the leader's
// session has ended. On SQLite this node is always the leader.

// leadEvery is how often a follower tries to lead, and a leader checks it still does: a node
// killed with -9 is replaced within this (its session ends with its TCP connection); one cut off
// without a word within the store's keepalive time (about 25 s) plus this.
const leadEvery = 3 * time.Second

// leaderJobs are the jobs only the leader runs, until ctx ends.
func (e *Engine) leaderJobs(ctx context.Context) {
	done := make(chan struct{}, 2)
	go func() { e.superviseMailbox(ctx); done <- struct{}{} }()
	go func() { e.sweepIdleChats(ctx); done <- struct{}{} }()
	<-done
	<-done
}

// lead runs the leader's jobs while this node leads, until ctx ends.
func (e *Engine) lead(ctx context.Context) {
	var stop context.CancelFunc
	finished := make(chan struct{})
	tick := time.NewTicker(leadEvery)
	defer tick.Stop()
	for {
		leading, err := e.db.Lead(ctx)
		if err != nil && ctx.Err() == nil {
			e.log.Warn("leader check", "err", err)
		}
		switch {
		case leading && stop == nil:
			var jobs context.Context
			jobs, stop = context.WithCancel(ctx)
			finished = make(chan struct{})
			e.leading.Store(true)
			e.log.Info("this node leads: mailbox watchers and idle-chat sweep run here")
			go func(done chan struct{}) { e.leaderJobs(jobs); close(done) }(finished)
		case !leading && stop != nil:
			stop()
			<-finished
			stop = nil
			e.leading.Store(false)
			e.log.Warn("this node no longer leads: its leader jobs stopped")
		}
		select {
		case <-ctx.Done():
			if stop != nil {
				stop()
				<-finished
			}
			e.leading.Store(false)
			return
		case <-tick.C:
		}
	}
}

// role is what /healthz says this node is: "leader" or "follower".
func (e *Engine) role() string {
	if e.leading.Load() {
		return "leader"
	}
	return "follower"
}

// Leading reports whether this node runs the leader's jobs now.
func (e *Engine) Leading() bool { return e.leading.Load() }
