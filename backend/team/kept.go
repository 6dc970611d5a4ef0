package team

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// KeptFile holds the agent's replies typed while the server could not be reached, in the data
// folder beside the replica (not in it: the replica holds only what the server sent).
const KeptFile = "team-outgoing.json"

// keptReply is one reply waiting to be sent. Key is its Idempotency-Key, made when the agent
// pressed Send and used for every try, so a try whose answer was lost is not applied twice.
type keptReply struct {
	ID             string    `json:"id"`
	Key            string    `json:"key"`
	ConversationID string    `json:"conversationId"`
	Body           string    `json:"body"`
	AuthorName     string    `json:"authorName"`
	CreatedAt      time.Time `json:"createdAt"`
	// Refused is the server's reason when it refused the reply on a later try ("" while it
	// waits); the text stays until the agent discards it.
	Refused string `json:"refused,omitempty"`
}

// keptReplies is KeptFile, read once and written whole on every change (a handful of entries).
type keptReplies struct {
	path string
	mu   sync.Mutex
	all  []keptReply
}

func openKept(dataDir string) (*keptReplies, error) {
	k := &keptReplies{path: filepath.Join(dataDir, KeptFile)}
	raw, err := os.ReadFile(k.path)
	if errors.Is(err, os.ErrNotExist) {
		return k, nil
	}
	if err != nil {
		return nil, fmt.Errorf("team: %w", err)
	}
	if err := json.Unmarshal(raw, &k.all); err != nil {
		// Never drop replies silently: keep the damaged file aside for a person to read.
		aside := k.path + ".damaged-" + time.Now().UTC().Format("20060102T150405")
		os.Rename(k.path, aside)
		return nil, fmt.Errorf("team: %s could not be read; it was moved to %s", KeptFile, aside)
	}
	return k, nil
}

// add writes r before anything tries to send it.
func (k *keptReplies) add(r keptReply) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.all = append(k.all, r)
	return k.save()
}

// waiting lists the replies not refused, oldest first.
func (k *keptReplies) waiting() []keptReply {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []keptReply
	for _, r := range k.all {
		if r.Refused == "" {
			out = append(out, r)
		}
	}
	return out
}

// of lists a conversation's replies, oldest first.
func (k *keptReplies) of(conversationID string) []keptReply {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []keptReply
	for _, r := range k.all {
		if r.ConversationID == conversationID {
			out = append(out, r)
		}
	}
	return out
}

// count is how many replies wait.
func (k *keptReplies) count() int { return len(k.waiting()) }

// remove forgets a reply (sent, or discarded); ok is false when there was none.
func (k *keptReplies) remove(id string) (ok bool, err error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for i, r := range k.all {
		if r.ID == id {
			k.all = append(k.all[:i:i], k.all[i+1:]...)
			return true, k.save()
		}
	}
	return false, nil
}

// refuse records the server's refusal of a reply.
func (k *keptReplies) refuse(id, reason string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	for i := range k.all {
		if k.all[i].ID == id {
			k.all[i].Refused = reason
			return k.save()
		}
	}
	return nil
}

func (k *keptReplies) save() error {
	raw, err := json.Marshal(k.all)
	if err != nil {
		return err
	}
	return writeFileAtomic(k.path, raw)
}
