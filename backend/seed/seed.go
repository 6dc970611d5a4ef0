// Package seed fills a Vouch Desk database with realistic, made-up data for demos, load tests and
// benchmarks. It writes through the store's bulk API (store.Loader), so a million contacts take
// seconds rather than hours.
//
// Run creates N contacts, each with one or two email addresses and at most one phone number, and
// M conversations (chats and calls) spread over those contacts, a few of them with no contact at
// all, holding K messages each on average. Names, addresses, numbers and message texts come from
// a math/rand/v2 PCG generator with a fixed seed, so two runs with the same Options produce the
// same content; only the row ids (UUIDv7) and the timestamps, which are placed relative to the
// moment Run starts, differ from one run to the next.
//
// Every email and phone number Run writes is unique, also across several runs into the same
// database: the numbers that make them unique continue from the database's change sequence.
// Emails are stored normalized (lower case) with a display form that sometimes has capitals;
// phone numbers are stored in E.164 form (+12025550143) with a formatted display form.
package seed

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"vouchdesk/backend/store"
)

// Options says how much to generate.
type Options struct {
	// Contacts is the number of contacts to create.
	Contacts int
	// Conversations is the number of conversations to create.
	Conversations int
	// MessagesPerConversation is the average number of messages of a conversation; each one gets
	// between 1 and 2*MessagesPerConversation-1 messages. Zero means conversations without messages.
	MessagesPerConversation int
	// Seed chooses the generated content; the same seed gives the same content.
	Seed uint64
	// Progress, when set, is called every 10,000 rows and once at the end with the number of rows
	// written so far.
	Progress func(rows int)
}

// Stats reports what Run wrote.
type Stats struct {
	Contacts      int
	Fields        int // emails and phone numbers
	Conversations int
	Messages      int
	// Rows is the number of rows written through the loader (contacts, fields, conversations and
	// messages, not counting the change-sequence rows the database's triggers add).
	Rows    int
	Elapsed time.Duration
	// OrgID is the organization the data was written to.
	OrgID string
	// SampleEmails and SamplePhones are up to 1,000 normalized values each, picked uniformly among
	// the ones written, for lookups in tests and benchmarks.
	SampleEmails, SamplePhones []string
}

// sampleSize is how many emails and phones Stats keeps for lookups.
const sampleSize = 1000

// progressEvery is how many rows pass between two calls of Options.Progress.
const progressEvery = 10_000

// noContactPercent is the share of conversations that stay without a contact (an anonymous
// visitor who never gave an address, a caller with a withheld number).
const noContactPercent = 5

// Run writes the generated data to the database. It uses the first organization in the database,
// or creates one (with an owner, a chat inbox and a phone inbox) when there is none. The loader
// commits every 10,000 rows: when Run fails or ctx is cancelled, the rows of the batches already
// committed stay in the database.
func Run(ctx context.Context, st *store.Store, opt Options) (Stats, error) {
	start := time.Now()
	if opt.Contacts < 0 || opt.Conversations < 0 || opt.MessagesPerConversation < 0 {
		return Stats{}, errors.New("seed: counts must not be negative")
	}
	g := &generator{
		r:       rand.New(rand.NewPCG(opt.Seed, 0x5eed_da7a_0000_0001)),
		sampleR: rand.New(rand.NewPCG(opt.Seed, 0x5eed_da7a_0000_0002)),
		opt:     opt,
		now:     start.Truncate(time.Millisecond),
	}
	if err := g.workspace(ctx, st); err != nil {
		return Stats{}, err
	}
	// A previous run numbered its emails and phones from the change sequence as it was then, one
	// number per field; the sequence never shrinks and the fields are still there (seeded data is
	// never deleted), so sequence + fields is past every number used before and keeps this run's
	// values unique.
	seq, err := st.LastChangeSeq(ctx)
	if err != nil {
		return Stats{}, fmt.Errorf("seed: %w", err)
	}
	fields, err := st.ContactFieldTotal(ctx)
	if err != nil {
		return Stats{}, fmt.Errorf("seed: %w", err)
	}
	g.emailK, g.phoneK = uint64(seq+fields), uint64(seq+fields)

	// The loader gets a context that is never cancelled: with a cancellable one the driver starts a
	// goroutine for every row, which costs a quarter of the load. generate checks ctx itself.
	l, err := st.NewLoader(context.WithoutCancel(ctx), 0)
	if err != nil {
		return Stats{}, fmt.Errorf("seed: %w", err)
	}
	g.l = l
	if err := g.generate(ctx); err != nil {
		l.Abort()
		return Stats{}, fmt.Errorf("seed: %w", err)
	}
	if err := l.Close(); err != nil {
		return Stats{}, fmt.Errorf("seed: %w", err)
	}
	g.stats.Rows = l.Rows()
	if opt.Progress != nil {
		opt.Progress(g.stats.Rows)
	}
	g.stats.OrgID = g.orgID
	g.stats.Elapsed = time.Since(start)
	return g.stats, nil
}

type generator struct {
	r       *rand.Rand // all generated content
	sampleR *rand.Rand // only the choice of samples, so sampling never changes the content
	opt     Options
	now     time.Time
	l       *store.Loader
	stats   Stats

	orgID, ownerID, agentFirst string
	chatInbox, phoneInbox      string

	emailK, phoneK       uint64 // the next unique number for an email and for a phone
	emailsSeen           int    // for reservoir sampling
	phonesSeen           int
	lastProgress         int
	conversationsPending []int32 // contact index of each conversation with a contact, sorted
}

// workspace finds or creates the organization, its owner and the two inboxes.
func (g *generator) workspace(ctx context.Context, st *store.Store) error {
	orgs, err := st.Organizations(ctx)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	now := g.now
	var org store.Organization
	var create []func(*store.Tx) error
	if len(orgs) > 0 {
		org = orgs[0]
	} else {
		org = store.Organization{ID: store.NewID(), Name: "Northwind Outfitters", DefaultRegion: "US",
			DoubleOptIn: true, ConsentText: "I agree that Northwind Outfitters may store my contact details to answer me.",
			CreatedAt: now, UpdatedAt: now}
		create = append(create, func(tx *store.Tx) error { return tx.InsertOrganization(org) })
	}
	g.orgID = org.ID

	var users []store.User
	var inboxes []store.Inbox
	if len(orgs) > 0 {
		if users, err = st.UsersByOrg(ctx, org.ID); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		if inboxes, err = st.InboxesByOrg(ctx, org.ID); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
	}
	if len(users) > 0 {
		g.ownerID, g.agentFirst = users[0].ID, firstWord(users[0].Name)
	} else {
		owner := store.User{ID: store.NewID(), OrgID: org.ID, Name: "Olivia Brooks",
			Email: "olivia.brooks@northwind.example", Role: store.RoleOwner, CreatedAt: now}
		g.ownerID, g.agentFirst = owner.ID, "Olivia"
		create = append(create, func(tx *store.Tx) error {
			if err := tx.InsertUser(owner); err != nil {
				return err
			}
			return tx.SignIn(owner.ID, now) // the desktop opened on a seeded database acts as its owner
		})
	}
	for _, in := range inboxes {
		switch {
		case in.Kind == store.InboxChat && g.chatInbox == "":
			g.chatInbox = in.ID
		case in.Kind == store.InboxPhone && g.phoneInbox == "":
			g.phoneInbox = in.ID
		}
	}
	if g.chatInbox == "" {
		in := store.Inbox{ID: store.NewID(), OrgID: org.ID, Kind: store.InboxChat, Name: "Website chat",
			PrechatAskName: true, PrechatAskEmail: true, IdleEndMinutes: 30, CreatedAt: now, UpdatedAt: now}
		g.chatInbox = in.ID
		create = append(create, func(tx *store.Tx) error { return tx.InsertInbox(in) })
	}
	if g.phoneInbox == "" {
		// 555-0100 to 555-0199 are the numbers reserved for fiction in North America.
		in := store.Inbox{ID: store.NewID(), OrgID: org.ID, Kind: store.InboxPhone, Name: "Support line",
			PhoneNumber: "+12025550" + strconv.Itoa(100+len(inboxes)%100), CreatedAt: now, UpdatedAt: now}
		g.phoneInbox = in.ID
		create = append(create, func(tx *store.Tx) error { return tx.InsertInbox(in) })
	}
	if len(create) == 0 {
		return nil
	}
	err = st.Write(ctx, func(tx *store.Tx) error {
		for _, fn := range create {
			if err := fn(tx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("seed: set up the organization: %w", err)
	}
	return nil
}

func firstWord(s string) string {
	if i := strings.IndexByte(s, ' '); i > 0 {
		return s[:i]
	}
	return s
}

// generate writes the contacts and, beside each contact, the conversations it had; the
// conversations without a contact come last.
func (g *generator) generate(ctx context.Context) error {
	n, m := g.opt.Contacts, g.opt.Conversations
	anonymous := 0
	g.conversationsPending = make([]int32, 0, m)
	for range m {
		if n == 0 || g.r.IntN(100) < noContactPercent {
			anonymous++
			continue
		}
		g.conversationsPending = append(g.conversationsPending, int32(g.r.IntN(n)))
	}
	slices.Sort(g.conversationsPending)

	next := 0
	for i := range n {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		p, err := g.contact()
		if err != nil {
			return err
		}
		for next < len(g.conversationsPending) && int(g.conversationsPending[next]) == i {
			next++
			if err := g.conversation(&p); err != nil {
				return err
			}
		}
	}
	for i := range anonymous {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := g.conversation(nil); err != nil {
			return err
		}
	}
	return nil
}

// person is what the conversations of a contact need to know about it.
type person struct {
	id, first string
	created   time.Time
	hasPhone  bool
}

func (g *generator) progress() {
	if g.opt.Progress != nil && g.l.Rows()-g.lastProgress >= progressEvery {
		g.lastProgress = g.l.Rows()
		g.opt.Progress(g.lastProgress)
	}
}

func (g *generator) contact() (person, error) {
	r := g.r
	first := firstNames[r.IntN(len(firstNames))]
	last := lastNames[r.IntN(len(lastNames))]
	// Contacts are up to two years old.
	created := g.now.Add(-time.Duration(r.Int64N(int64(730 * 24 * time.Hour))))
	updated := created.Add(time.Duration(r.Int64N(int64(g.now.Sub(created)) + 1)))
	name := first + " " + last
	if r.IntN(100) < 4 {
		name = "" // registered from an email alone
	}
	c := store.Contact{ID: store.NewID(), OrgID: g.orgID, Name: name, Status: store.ContactActive,
		CreatedAt: created, UpdatedAt: updated}
	if err := g.l.Contact(c); err != nil {
		return person{}, err
	}
	g.stats.Contacts++
	p := person{id: c.ID, first: first, created: created}

	emails := 1
	if r.IntN(100) < 30 {
		emails = 2
	}
	for e := range emails {
		norm, display := g.email(first, last, e == 1)
		if err := g.field(c, store.FieldEmail, norm, display); err != nil {
			return person{}, err
		}
		g.emailsSeen++
		g.stats.SampleEmails = g.sample(g.stats.SampleEmails, g.emailsSeen, norm)
	}
	if r.IntN(100) < 60 {
		norm, display := g.phone()
		if err := g.field(c, store.FieldPhone, norm, display); err != nil {
			return person{}, err
		}
		p.hasPhone = true
		g.phonesSeen++
		g.stats.SamplePhones = g.sample(g.stats.SamplePhones, g.phonesSeen, norm)
	}
	g.progress()
	return p, nil
}

func (g *generator) field(c store.Contact, kind, norm, display string) error {
	if err := g.l.Field(store.Field{ID: store.NewID(), OrgID: g.orgID, ContactID: c.ID, Kind: kind,
		ValueNorm: norm, ValueDisplay: display, CreatedAt: c.CreatedAt}); err != nil {
		return err
	}
	g.stats.Fields++
	return nil
}

// sample keeps a uniform sample of sampleSize values (reservoir sampling); seen counts v.
func (g *generator) sample(s []string, seen int, v string) []string {
	if len(s) < sampleSize {
		return append(s, v)
	}
	if j := g.sampleR.IntN(seen); j < sampleSize {
		s[j] = v
	}
	return s
}

// email returns a new unique address as normalized and display forms. The local part always ends
// with the unique number and otherwise holds no digit, so no two numbers give the same address.
func (g *generator) email(first, last string, work bool) (norm, display string) {
	r := g.r
	k := strconv.FormatUint(g.emailK, 10)
	g.emailK++
	f, l := strings.ToLower(first), strings.ToLower(last)
	var local string
	switch r.IntN(6) {
	case 0:
		local = f + "." + l + k
	case 1:
		local = f + k
	case 2:
		local = f[:1] + l + k
	case 3:
		local = f + "_" + l + k
	case 4:
		local = l + "." + f + k
	default:
		local = f + l + k
	}
	domain := personalDomains[r.IntN(len(personalDomains))]
	if work {
		domain = workDomains[r.IntN(len(workDomains))]
	}
	norm = local + "@" + domain
	display = norm
	switch r.IntN(100) {
	case 0, 1, 2, 3, 4, 5, 6, 7: // typed with capitals: "Ada.Lovelace12@gmail.com"
		display = capitalize(local, "._") + "@" + domain
	case 8, 9: // typed in capitals throughout
		display = strings.ToUpper(norm)
	case 10, 11, 12: // "ada.lovelace12@Gmail.com"
		display = local + "@" + capitalize(domain, "")
	}
	return norm, display
}

// capitalize upper-cases the first letter of s and every letter that follows one of breaks.
func capitalize(s, breaks string) string {
	b := []byte(s)
	up := true
	for i, c := range b {
		if up && c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
		up = strings.IndexByte(breaks, c) >= 0
	}
	return string(b)
}

// Phone numbers: three E.164 plans, each a space of numbers that a fixed bijection
// (a*j + b mod size) walks through, so that the j-th number of a plan is unique and consecutive
// numbers look unrelated. Of every 20 numbers, 17 are North American, 2 British mobiles and 1 a
// German mobile.
const (
	phoneMul = 2654435761 // prime, hence coprime with every plan's size
	phoneAdd = 40503
)

var (
	usSize = uint64(len(usAreaCodes)) * 800 * 10_000 // area code, exchange 200-999, line
	ukSize = uint64(600_000_000)                     // +44 7 400000000 to 999999999
	deSize = uint64(len(deMobilePrefixes)) * 100_000_000
)

func walk(j, size uint64) uint64 { return (phoneMul%size*(j%size) + phoneAdd) % size }

func (g *generator) phone() (norm, display string) {
	k := g.phoneK
	g.phoneK++
	return phoneNumber(k, g.r.IntN(3))
}

// phoneNumber returns the k-th number in normalized and display forms; style picks the display.
func phoneNumber(k uint64, style int) (norm, display string) {
	slot := k % 20
	switch {
	case slot < 17:
		v := walk(k/20*17+slot, usSize)
		line, v := v%10_000, v/10_000
		exchange, area := 200+v%800, usAreaCodes[v/800]
		a, x, l := strconv.Itoa(area), strconv.FormatUint(exchange, 10), fmt.Sprintf("%04d", line)
		norm = "+1" + a + x + l
		switch style {
		case 0:
			display = "+1 (" + a + ") " + x + "-" + l
		case 1:
			display = "(" + a + ") " + x + "-" + l
		default:
			display = a + "-" + x + "-" + l
		}
	case slot < 19:
		v := 400_000_000 + walk(k/20*2+slot-17, ukSize)
		s := strconv.FormatUint(v, 10)
		norm = "+447" + s
		if style == 0 {
			display = "07" + s[:3] + " " + s[3:]
		} else {
			display = "+44 7" + s[:3] + " " + s[3:]
		}
	default:
		v := walk(k/20, deSize)
		p, s := deMobilePrefixes[v/100_000_000], fmt.Sprintf("%08d", v%100_000_000)
		norm = "+49" + p + s
		if style == 0 {
			display = "0" + p + " " + s
		} else {
			display = "+49 " + p + " " + s
		}
	}
	return norm, display
}

// conversation writes one conversation and its messages; p is nil for one without a contact.
func (g *generator) conversation(p *person) error {
	r := g.r
	kind, inbox := store.ConversationChat, g.chatInbox
	if r.IntN(100) < 25 {
		kind, inbox = store.ConversationCall, g.phoneInbox
	}
	// Conversations happened within the last year, after their contact was registered.
	from := g.now.Add(-365 * 24 * time.Hour)
	c := store.Conversation{ID: store.NewID(), OrgID: g.orgID, InboxID: inbox, Kind: kind, LinkState: store.LinkNone}
	first := ""
	if p != nil {
		if p.created.After(from) {
			from = p.created
		}
		c.ContactID, first = p.id, p.first
		c.LinkState = store.LinkVerified
		if r.IntN(100) < 30 {
			c.LinkState = store.LinkPreliminary
		}
	}
	span := g.now.Sub(from)
	c.StartedAt = from.Add(time.Duration(r.Int64N(int64(span) + 1))).Truncate(time.Millisecond)

	msgs := 0
	if k := g.opt.MessagesPerConversation; k > 0 {
		msgs = 1 + r.IntN(2*k-1)
	}
	t := c.StartedAt
	bodies := make([]store.Message, 0, msgs)
	tp := &topics[r.IntN(len(topics))]
	fill := filler{r: r, first: first, agent: g.agentFirst}
	customerTurn := kind == store.ConversationChat
	for i := range msgs {
		m := store.Message{ID: store.NewID(), OrgID: g.orgID, ConversationID: c.ID, CreatedAt: t}
		switch {
		case kind == store.ConversationCall && i == 0:
			m.SenderKind, m.SenderUserID = "agent", g.ownerID
			m.Body = fill.text(pick(r, tp.callNotes))
		case customerTurn:
			m.SenderKind = "customer"
			switch {
			case i == 0:
				m.Body = fill.text(pick(r, tp.openers))
			case i == msgs-1:
				m.Body = fill.text(pick(r, customerClosings))
			default:
				m.Body = fill.text(pick(r, tp.details))
			}
		default:
			m.SenderKind, m.SenderUserID = "agent", g.ownerID
			switch {
			case i <= 1 && kind == store.ConversationChat:
				m.Body = fill.text(pick(r, agentGreetings))
			case i == msgs-1:
				m.Body = fill.text(pick(r, agentClosings))
			default:
				m.Body = fill.text(pick(r, tp.replies))
			}
		}
		bodies = append(bodies, m)
		// The other side usually answers; sometimes the same side writes twice in a row.
		if r.IntN(100) < 80 {
			customerTurn = !customerTurn
		}
		t = t.Add(time.Duration(5+r.IntN(240)) * time.Second)
	}
	c.LastActivityAt = t
	if len(bodies) > 0 {
		c.LastActivityAt = bodies[len(bodies)-1].CreatedAt
	}
	c.Status = store.ConversationEnded
	if g.now.Sub(c.StartedAt) < 48*time.Hour && r.IntN(100) < 50 {
		c.Status = store.ConversationOpen
	} else {
		c.EndedAt = c.LastActivityAt.Add(time.Duration(30+r.IntN(600)) * time.Second)
	}
	if err := g.l.Conversation(c); err != nil {
		return err
	}
	g.stats.Conversations++
	for _, m := range bodies {
		if err := g.l.Message(m); err != nil {
			return err
		}
		g.stats.Messages++
		g.progress()
	}
	g.progress()
	return nil
}

func pick(r *rand.Rand, s []string) string { return s[r.IntN(len(s))] }
