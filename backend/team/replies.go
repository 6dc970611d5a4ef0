package team

import (
	"context"
	"time"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/services"
	"vouchdesk/backend/wiretime"
)

// keptRetry is how often replies that wait are tried again while nothing else wakes the sender.
const keptRetry = 5 * time.Second

// SendReply sends an agent's reply (services.Remote). The reply is on disk before the first try,
// with the key every try carries: if the server cannot be reached it waits there and is sent in
// order once the server is back, and a try whose answer was lost is not applied twice. A reply
// the server refuses at once is not kept: the error goes back to the composer, which still has
// the text.
func (d *Desk) SendReply(ctx context.Context, conversationID, body string) (services.ChatMessage, error) {
	if err := d.usable(); err != nil {
		return services.ChatMessage{}, err
	}
	ws, err := d.Workspace(ctx)
	if err != nil {
		return services.ChatMessage{}, err
	}
	r := keptReply{ID: "kept_" + NewKey(), Key: NewKey(), ConversationID: conversationID, Body: body,
		AuthorName: ws.Me.Name, CreatedAt: d.cfg.Now().UTC()}
	earlier := len(d.kept.of(conversationID)) > 0
	if err := d.kept.add(r); err != nil {
		return services.ChatMessage{}, err
	}
	d.cfg.OnEvent(EventStatusChanged)
	if earlier {
		// Replies of one conversation go out in the order they were written.
		d.kick()
		return keptView(r), nil
	}
	out, err := d.send(ctx, r)
	switch {
	case err == nil:
		d.catchUp(ctx)
		return out, nil
	case IsOffline(err):
		return keptView(r), nil
	default:
		d.kept.remove(r.ID)
		d.cfg.OnEvent(EventStatusChanged)
		return services.ChatMessage{}, err
	}
}

// send tries a kept reply (twice when the network failed) and forgets it once the server has it.
func (d *Desk) send(ctx context.Context, r keptReply) (services.ChatMessage, error) {
	var out services.ChatMessage
	call := services.RouteSend.At(r.ConversationID)
	in := services.MessageBody{Body: r.Body}
	err := d.client.Do(ctx, call, in, &out, r.Key)
	if IsOffline(err) {
		err = d.client.Do(ctx, call, in, &out, r.Key)
	}
	if err = d.seen(err); err != nil {
		return services.ChatMessage{}, err
	}
	if _, err := d.kept.remove(r.ID); err != nil {
		d.cfg.Log.Error("a sent reply could not be removed from the kept replies (it would be sent again with the same key, which the server answers without sending it twice)", "err", err)
	}
	d.cfg.OnEvent(EventStatusChanged)
	return out, nil
}

// sendKept sends the waiting replies, oldest first, whenever woken or every keptRetry, until ctx
// ends. It stops a round at the first reply that cannot reach the server.
func (d *Desk) sendKept(ctx context.Context) {
	tick := time.NewTicker(keptRetry)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-d.wake:
		case <-tick.C:
		}
		for _, r := range d.kept.waiting() {
			if d.usable() != nil {
				return
			}
			_, err := d.send(ctx, r)
			if err == nil {
				d.cfg.OnEvent(EventChatChanged)
				continue
			}
			if IsOffline(err) || ctx.Err() != nil || IsSignedOut(err) {
				break
			}
			reason := "The team server refused it."
			if e, ok := apperr.As(err); ok {
				reason = e.Message
			}
			d.kept.refuse(r.ID, reason)
			d.cfg.OnEvent(EventChatChanged)
		}
	}
}

// Kept lists a conversation's kept and refused replies (services.Remote).
func (d *Desk) Kept(conversationID string) []services.ChatMessage {
	var out []services.ChatMessage
	for _, r := range d.kept.of(conversationID) {
		out = append(out, keptView(r))
	}
	return out
}

// Discard forgets a kept or refused reply (services.Remote).
func (d *Desk) Discard(id string) error {
	ok, err := d.kept.remove(id)
	if err != nil {
		return err
	}
	if !ok {
		return &apperr.Error{Code: apperr.CodeNotFound, Message: "That reply is not waiting any more (it was sent or discarded)."}
	}
	d.cfg.OnEvent(EventChatChanged)
	return nil
}

func keptView(r keptReply) services.ChatMessage {
	m := services.ChatMessage{ID: r.ID, From: "agent", AuthorName: r.AuthorName, Body: r.Body,
		CreatedAt: wiretime.Format(r.CreatedAt), Status: "kept"}
	if r.Refused != "" {
		m.Status, m.Problem = "refused", r.Refused
	}
	return m
}
