package transcript

import "strings"

// FileName is the name a saved transcript is offered under: "chat-transcript-2026-03-08-1a2b3c4d.html",
// the day the chat started in the customer's zone and the end of the conversation's id. Nothing a
// customer typed is in it, so it is a valid file name on every system.
func FileName(t Transcript) string {
	day := "undated"
	if !t.StartedAt.IsZero() {
		day = t.StartedAt.In(t.Location()).Format("2006-01-02")
	}
	id := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r >= 'a' && r <= 'f' {
			return r
		}
		return -1
	}, strings.ToLower(t.ConversationID))
	if len(id) > 8 {
		id = id[len(id)-8:]
	}
	if id == "" {
		return "chat-transcript-" + day + ".html"
	}
	return "chat-transcript-" + day + "-" + id + ".html"
}
