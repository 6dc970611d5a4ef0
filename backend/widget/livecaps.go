package widget

import (
	"net"
	"sync"
)

// Close codes and reasons of a live WebSocket closed by a cap (docs/api/widget.md, "Limits and
// throttling"). The widget reads the code: on 4001 another tab of the same chat has the live
// events and this one polls; on 4002 and 4003 it polls and tries the socket again much later.
const (
	CloseReplaced   = 4001
	CloseTooMany    = 4002
	CloseServerBusy = 4003

	ReasonReplaced   = "replaced by a newer connection"
	ReasonTooMany    = "too many connections from this address"
	ReasonServerBusy = "server busy"
)

// LiveCaps bound the live WebSockets open at once. A zero field takes the default
// (DefaultLimits.Live). Each connection costs about 25 KiB and one descriptor (docs/benchmarks.md).
type LiveCaps struct {
	// PerSession: a chat's connections (one per open tab). One more closes the chat's oldest
	// with 4001, so a reconnect after a network change never waits for the dead one to time out.
	PerSession int
	// PerAddress: connections from one client address, an IPv6 /64 counting as one address
	// (one home or office). Over it the new one is closed at once with 4002.
	PerAddress int
	// PerServer: connections in all. Over it the new one is closed at once with 4003. Keep it
	// below the process's open-files limit.
	PerServer int
}

func (c LiveCaps) withDefaults() LiveCaps {
	d := DefaultLimits.Live
	if c.PerSession <= 0 {
		c.PerSession = d.PerSession
	}
	if c.PerAddress <= 0 {
		c.PerAddress = d.PerAddress
	}
	if c.PerServer <= 0 {
		c.PerServer = d.PerServer
	}
	return c
}

// LiveStats are the counters of the live caps, for tests and status.
type LiveStats struct {
	Open           int // connections upgraded and not yet gone (a replaced one until it is)
	Peak           int // the most Open at once
	PeakPerAddress int // the most from one address at once
	PeakPerSession int // the most of one chat at once (a replaced one no longer counts)
	Refused        int // closed over PerAddress or PerServer
	Replaced       int // closed over PerSession
}

// liveCaps counts the live connections by address and by chat. A connection counts against
// its address and the server from before the upgrade until its handler returns (hello, and the
// close of a replaced one, included), and against its chat once hello named it.
type liveCaps struct {
	caps      LiveCaps
	mu        sync.Mutex
	byAddr    map[string]int
	bySession map[string][]*liveConn // oldest first
	stats     LiveStats
}

func newLiveCaps(c LiveCaps) *liveCaps {
	return &liveCaps{caps: c, byAddr: map[string]int{}, bySession: map[string][]*liveConn{}}
}

// admit counts a new connection from addr, or answers the close code and reason to refuse it
// with.
func (l *liveCaps) admit(addr string) (code int, reason string, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.stats.Open >= l.caps.PerServer:
		l.stats.Refused++
		return CloseServerBusy, ReasonServerBusy, false
	case l.byAddr[addr] >= l.caps.PerAddress:
		l.stats.Refused++
		return CloseTooMany, ReasonTooMany, false
	}
	l.stats.Open++
	l.byAddr[addr]++
	l.stats.Peak = max(l.stats.Peak, l.stats.Open)
	l.stats.PeakPerAddress = max(l.stats.PeakPerAddress, l.byAddr[addr])
	return 0, "", true
}

// release uncounts a connection admit counted.
func (l *liveCaps) release(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stats.Open--
	if l.byAddr[addr]--; l.byAddr[addr] <= 0 {
		delete(l.byAddr, addr)
	}
}

// join adds c to its chat's connections and returns the ones it pushes over the cap (the
// oldest), which the caller closes with CloseReplaced.
func (l *liveCaps) join(chat string, c *liveConn) (replaced []*liveConn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	list := append(l.bySession[chat], c)
	if n := len(list) - l.caps.PerSession; n > 0 {
		replaced = append(replaced, list[:n]...)
		list = append([]*liveConn(nil), list[n:]...) // a fresh array: the old one would pin the replaced
		l.stats.Replaced += n
	}
	l.bySession[chat] = list
	l.stats.PeakPerSession = max(l.stats.PeakPerSession, len(list))
	return replaced
}

// leave removes c from its chat's connections, if join's replacement has not already.
func (l *liveCaps) leave(chat string, c *liveConn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	list := l.bySession[chat]
	for i, x := range list {
		if x == c {
			list = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(l.bySession, chat)
	} else {
		l.bySession[chat] = list
	}
}

func (l *liveCaps) snapshot() LiveStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stats
}

// LiveStats reads the live caps' counters; zero before the handler is built.
func (d *ChatDeps) LiveStats() LiveStats {
	if d.limits == nil {
		return LiveStats{}
	}
	return d.limits.live.snapshot()
}

// addressKey is the address a connection counts against: the IP, or for IPv6 its /64, which
// one customer's network gets whole (one address per device, or a new one every few hours).
func addressKey(ip string) string {
	a := net.ParseIP(ip)
	if a == nil || a.To4() != nil {
		return ip
	}
	return a.Mask(net.CIDRMask(64, 128)).String() + "/64"
}
