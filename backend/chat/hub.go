package chat

import "sync"

// Event kinds pushed to a conversation's live listeners.
const (
	EventMessage = "message" // Message is set
	EventState   = "state"   // something the customer sees changed: re-read the state
)

// Event is one live change of a conversation.
type Event struct {
	Kind    string
	Message Message
}

// Hub fans a conversation's events out to its live listeners (the widget's WebSocket
// connections). It holds no history: a listener that reconnects asks the store for what it
// missed, so the hub can drop nothing that matters.
type Hub struct {
	mu   sync.RWMutex
	subs map[string]map[*listener]struct{}
}

type listener struct{ fn func(Event) }

// NewHub returns an empty hub.
func NewHub() *Hub { return &Hub{subs: map[string]map[*listener]struct{}{}} }

// Subscribe calls fn for every event of the conversation until cancel is called. fn runs on the
// publisher's goroutine and must not block (queue and return).
func (h *Hub) Subscribe(conversationID string, fn func(Event)) (cancel func()) {
	l := &listener{fn: fn}
	h.mu.Lock()
	set := h.subs[conversationID]
	if set == nil {
		set = map[*listener]struct{}{}
		h.subs[conversationID] = set
	}
	set[l] = struct{}{}
	h.mu.Unlock()
	return func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if set := h.subs[conversationID]; set != nil {
			delete(set, l)
			if len(set) == 0 {
				delete(h.subs, conversationID)
			}
		}
	}
}

// Publish sends an event to the conversation's listeners.
func (h *Hub) Publish(conversationID string, e Event) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for l := range h.subs[conversationID] {
		l.fn(e)
	}
}

// Has reports whether the conversation has a live listener here (the change follower reads only
// the messages of those).
func (h *Hub) Has(conversationID string) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.subs[conversationID]) > 0
}

// Listeners counts the live listeners (for tests and status).
func (h *Hub) Listeners() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	n := 0
	for _, set := range h.subs {
		n += len(set)
	}
	return n
}
