package agentapi

import (
	"net/http"
	"strconv"
	"time"

	"vouchdesk/backend/agents"
	"vouchdesk/backend/apperr"
	"vouchdesk/backend/feed"
	"vouchdesk/backend/services"
	"vouchdesk/backend/verify"
)

// routes lists every call (docs/api/agent.md documents each, in this order). Reads are GET,
// changes POST/PUT/PATCH/DELETE; path values are ids.
func (a *API) routes() {
	m := a.mux
	p := func(pattern string) string {
		method, path, _ := cut(pattern)
		return method + " " + Prefix + path
	}
	r := func(route services.Route) string { return p(string(route)) }

	// Signing in, sessions, accounts.
	m.HandleFunc(p("POST auth/code"), a.open(a.startSignin))
	m.HandleFunc(p("POST auth/session"), a.open(a.finishSignin))
	m.HandleFunc(p("POST auth/invitation"), a.open(a.acceptInvitation))
	m.HandleFunc(p("POST auth/google"), a.open(a.googleSignin))
	m.HandleFunc(p("GET me"), a.authed(a.me))
	m.HandleFunc(p("DELETE session"), a.authed(func(c *call) (any, error) { return nil, a.cfg.Accounts.SignOut(c.r.Context(), c.p) }))
	m.HandleFunc(r(services.RouteSessions), a.authed(func(c *call) (any, error) {
		return a.cfg.Accounts.Sessions(c.r.Context(), c.p, c.r.URL.Query().Get("agent"))
	}))
	m.HandleFunc(r(services.RouteRevokeSession), a.authed(func(c *call) (any, error) {
		return nil, a.cfg.Accounts.RevokeSession(c.r.Context(), c.p, c.r.PathValue("id"))
	}))
	m.HandleFunc(r(services.RouteAgents), a.authed(func(c *call) (any, error) { return a.cfg.Accounts.Agents(c.r.Context(), c.p) }))
	m.HandleFunc(r(services.RouteSetRole), a.authed(func(c *call) (any, error) {
		var in agents.RoleRequest
		if err := c.body(&in); err != nil {
			return nil, err
		}
		return a.cfg.Accounts.SetRole(c.r.Context(), c.p, c.r.PathValue("id"), in.Role)
	}))
	m.HandleFunc(r(services.RouteDeactivate), a.authed(func(c *call) (any, error) {
		return nil, a.cfg.Accounts.Deactivate(c.r.Context(), c.p, c.r.PathValue("id"))
	}))
	m.HandleFunc(r(services.RouteInvitations), a.authed(func(c *call) (any, error) { return a.cfg.Accounts.Invitations(c.r.Context(), c.p) }))
	m.HandleFunc(r(services.RouteInvite), a.authed(func(c *call) (any, error) {
		var in agents.InviteRequest
		if err := c.body(&in); err != nil {
			return nil, err
		}
		return a.cfg.Accounts.Invite(c.r.Context(), c.p, in.Email, in.Role)
	}))
	m.HandleFunc(r(services.RouteResendInvitation), a.authed(func(c *call) (any, error) {
		return a.cfg.Accounts.ResendInvitation(c.r.Context(), c.p, c.r.PathValue("id"))
	}))
	m.HandleFunc(r(services.RouteRevokeInvitation), a.authed(func(c *call) (any, error) {
		return nil, a.cfg.Accounts.RevokeInvitation(c.r.Context(), c.p, c.r.PathValue("id"))
	}))

	// The organization as the desktop's shell shows it.
	m.HandleFunc(p("GET overview"), a.authed(func(c *call) (any, error) { return services.NewWorkspace(c.sv).Overview() }))

	// Conversations: the inbox, a conversation, the agent's actions in it, verification.
	chat := func(c *call) *services.Chat { return services.NewChat(c.sv) }
	m.HandleFunc(p("GET conversations"), a.authed(func(c *call) (any, error) { return chat(c).List(c.r.URL.Query().Get("filter")) }))
	m.HandleFunc(p("GET conversations/{id}"), a.authed(func(c *call) (any, error) { return chat(c).Open(c.r.PathValue("id")) }))
	m.HandleFunc(p("GET conversations/{id}/messages"), a.authed(func(c *call) (any, error) {
		return chat(c).Earlier(c.r.PathValue("id"), c.r.URL.Query().Get("before"))
	}))
	m.HandleFunc(r(services.RouteMarkRead), a.authed(func(c *call) (any, error) { return nil, chat(c).MarkRead(c.r.PathValue("id")) }))
	m.HandleFunc(r(services.RouteSend), a.authed(func(c *call) (any, error) {
		var in services.MessageBody
		if err := c.body(&in); err != nil {
			return nil, err
		}
		return chat(c).Send(c.r.PathValue("id"), in.Body)
	}))
	m.HandleFunc(r(services.RouteEnd), a.authed(func(c *call) (any, error) { return nil, chat(c).End(c.r.PathValue("id")) }))
	m.HandleFunc(r(services.RouteRequestEmail), a.authed(func(c *call) (any, error) {
		return nil, chat(c).RequestEmail(c.r.PathValue("id"))
	}))
	m.HandleFunc(r(services.RouteSetEmail), a.authed(func(c *call) (any, error) {
		var in services.EmailBody
		if err := c.body(&in); err != nil {
			return nil, err
		}
		return chat(c).SetEmail(c.r.PathValue("id"), in.Email)
	}))
	m.HandleFunc(r(services.RouteSendCode), a.authed(func(c *call) (any, error) { return nil, chat(c).SendCode(c.r.PathValue("id")) }))
	m.HandleFunc(r(services.RouteSendLink), a.authed(func(c *call) (any, error) { return nil, chat(c).SendLink(c.r.PathValue("id")) }))
	m.HandleFunc(r(services.RouteMarkVerified), a.authed(func(c *call) (any, error) {
		var in services.EmailBody
		if err := c.body(&in); err != nil {
			return nil, err
		}
		return chat(c).MarkVerified(c.r.PathValue("id"), in.Email)
	}))

	// Transcripts.
	tr := func(c *call) *services.Transcripts { return services.NewTranscripts(c.sv, nil) }
	m.HandleFunc(p("GET conversations/{id}/transcript"), a.authed(func(c *call) (any, error) { return tr(c).Document(c.r.PathValue("id")) }))
	m.HandleFunc(r(services.RouteSendings), a.authed(func(c *call) (any, error) {
		return tr(c).Sendings(c.r.PathValue("id"))
	}))
	m.HandleFunc(r(services.RouteResendScript), a.authed(func(c *call) (any, error) {
		return tr(c).Resend(c.r.PathValue("id"))
	}))

	// Contacts, Manage Contact Information, merges.
	ct := func(c *call) *services.Contacts { return services.NewContacts(c.sv) }
	m.HandleFunc(p("GET contacts"), a.authed(func(c *call) (any, error) { return ct(c).Search(c.r.URL.Query().Get("q")) }))
	m.HandleFunc(p("GET contacts/{id}"), a.authed(func(c *call) (any, error) { return ct(c).Get(c.r.PathValue("id")) }))
	m.HandleFunc(p("GET contacts/{id}/timeline"), a.authed(func(c *call) (any, error) {
		return ct(c).Timeline(c.r.PathValue("id"), c.r.URL.Query().Get("cursor"))
	}))
	m.HandleFunc(p("POST contact-edits/preview"), a.authed(func(c *call) (any, error) {
		var in services.ContactEdit
		if err := c.body(&in); err != nil {
			return nil, err
		}
		return ct(c).PreviewEdit(in)
	}))
	m.HandleFunc(r(services.RouteSaveEdit), a.authed(func(c *call) (any, error) {
		var in services.ContactEdit
		if err := c.body(&in); err != nil {
			return nil, err
		}
		return ct(c).Save(in)
	}))
	m.HandleFunc(r(services.RouteUnverifyField), a.authed(func(c *call) (any, error) {
		return ct(c).RemoveVerification(c.r.PathValue("id"))
	}))
	m.HandleFunc(r(services.RouteUndoMerge), a.authed(func(c *call) (any, error) { return ct(c).UndoMerge(c.r.PathValue("id")) }))

	// Settings: regulatory, inboxes, Google client id, country.
	m.HandleFunc(p("GET settings/regulatory"), a.authed(func(c *call) (any, error) { return services.NewRegulatory(c.sv).Get() }))
	m.HandleFunc(r(services.RouteSaveRegulated), a.authed(func(c *call) (any, error) {
		var in services.RegulatorySettings
		if err := c.body(&in); err != nil {
			return nil, err
		}
		return services.NewRegulatory(c.sv).Save(in)
	}))
	in := func(c *call) *services.Inboxes { return services.NewInboxes(c.sv) }
	m.HandleFunc(r(services.RouteInboxes), a.authed(func(c *call) (any, error) { return in(c).List() }))
	m.HandleFunc(r(services.RouteInboxToggle), a.authed(func(c *call) (any, error) {
		var body services.ToggleBody
		if err := c.body(&body); err != nil {
			return nil, err
		}
		return in(c).SetToggle(c.r.PathValue("id"), c.r.PathValue("toggle"), body.On)
	}))
	m.HandleFunc(r(services.RouteIdleEnd), a.authed(func(c *call) (any, error) {
		var body services.MinutesBody
		if err := c.body(&body); err != nil {
			return nil, err
		}
		return in(c).SetIdleEnd(c.r.PathValue("id"), body.Minutes)
	}))
	m.HandleFunc(r(services.RoutePhoneInbox), a.authed(func(c *call) (any, error) {
		var body services.PhoneInboxBody
		if err := c.body(&body); err != nil {
			return nil, err
		}
		return in(c).CreatePhoneInbox(body.Name, body.Number, body.AuthToken)
	}))
	m.HandleFunc(r(services.RoutePhoneToken), a.authed(func(c *call) (any, error) {
		var body services.AuthTokenBody
		if err := c.body(&body); err != nil {
			return nil, err
		}
		return in(c).SetPhoneAuthToken(c.r.PathValue("id"), body.AuthToken)
	}))
	m.HandleFunc(r(services.RoutePhoneForward), a.authed(func(c *call) (any, error) {
		var body services.NumberBody
		if err := c.body(&body); err != nil {
			return nil, err
		}
		return in(c).SetPhoneForward(c.r.PathValue("id"), body.Number)
	}))
	m.HandleFunc(p("GET settings/google-client-id"), a.authed(func(c *call) (any, error) { return value(in(c).GoogleClientID()) }))
	m.HandleFunc(r(services.RouteSetGoogleID), a.authed(func(c *call) (any, error) {
		var body services.ValueBody
		if err := c.body(&body); err != nil {
			return nil, err
		}
		return value(in(c).SetGoogleClientID(body.Value))
	}))
	m.HandleFunc(p("GET settings/country"), a.authed(func(c *call) (any, error) { return value(in(c).Country()) }))
	m.HandleFunc(r(services.RouteSetCountry), a.authed(func(c *call) (any, error) {
		var body services.ValueBody
		if err := c.body(&body); err != nil {
			return nil, err
		}
		return value(in(c).SetCountry(body.Value))
	}))

	// Mail: the sender email, the accounts, their health, the delivery log.
	mail := func(c *call) *services.Mail { return services.NewMail(c.sv) }
	m.HandleFunc(r(services.RouteSender), a.authed(func(c *call) (any, error) { return mail(c).SenderState() }))
	m.HandleFunc(r(services.RouteSetSender), a.authed(func(c *call) (any, error) {
		var body services.AddressBody
		if err := c.body(&body); err != nil {
			return nil, err
		}
		return mail(c).SetSender(body.Address)
	}))
	m.HandleFunc(r(services.RouteResendSender), a.authed(func(c *call) (any, error) { return mail(c).ResendSenderLink() }))
	m.HandleFunc(r(services.RouteRemovePending), a.authed(func(c *call) (any, error) { return mail(c).RemovePendingSender() }))
	m.HandleFunc(r(services.RouteMailAccounts), a.authed(func(c *call) (any, error) { return mail(c).Settings() }))
	type account struct {
		save func(*services.Mail, services.AccountRequest) (services.MailSettings, error)
		test func(*services.Mail) (services.TestResult, error)
	}
	accounts := map[string]account{
		"smtp":   {(*services.Mail).SaveSMTP, (*services.Mail).TestSMTP},
		"imap":   {(*services.Mail).SaveIMAP, (*services.Mail).TestIMAP},
		"bounce": {(*services.Mail).SaveBounce, (*services.Mail).TestBounce},
	}
	accountOf := func(c *call) (account, error) {
		acct, ok := accounts[c.r.PathValue("purpose")]
		if !ok {
			return account{}, &apperr.Error{Code: apperr.CodeNotFound, Message: "The mail accounts are smtp, imap and bounce."}
		}
		return acct, nil
	}
	m.HandleFunc(r(services.RouteSaveAccount), a.authed(func(c *call) (any, error) {
		acct, err := accountOf(c)
		if err != nil {
			return nil, err
		}
		var body services.AccountRequest
		if err := c.body(&body); err != nil {
			return nil, err
		}
		return acct.save(mail(c), body)
	}))
	m.HandleFunc(r(services.RouteTestAccount), a.authed(func(c *call) (any, error) {
		acct, err := accountOf(c)
		if err != nil {
			return nil, err
		}
		return acct.test(mail(c))
	}))
	m.HandleFunc(r(services.RouteRemoveBounce), a.authed(func(c *call) (any, error) { return mail(c).RemoveBounce() }))
	m.HandleFunc(r(services.RouteMailHealth), a.authed(func(c *call) (any, error) { return mail(c).MailHealth() }))
	m.HandleFunc(r(services.RouteDeliveryLog), a.authed(func(c *call) (any, error) { return mail(c).DeliveryLog() }))

	// The change feed a desktop's replica follows.
	m.HandleFunc(p("GET feed/tables"), a.authed(func(c *call) (any, error) { return feed.Tables(), nil }))
	m.HandleFunc(p("GET feed/cursor"), a.authed(func(c *call) (any, error) {
		n, err := a.cfg.Feed.Cursor(c.r.Context(), c.p.Workspace.Organization.ID)
		return struct {
			Cursor int64 `json:"cursor"`
		}{n}, err
	}))
	m.HandleFunc(p("GET feed/tables/{table}"), a.authed(func(c *call) (any, error) {
		q := c.r.URL.Query()
		limit, err := intParam(q.Get("limit"), "limit")
		if err != nil {
			return nil, err
		}
		return a.cfg.Feed.TableRows(c.r.Context(), c.p.Workspace.Organization.ID, c.r.PathValue("table"), q.Get("after"), q.Get("to"), limit)
	}))
	m.HandleFunc(p("GET feed/changes"), a.authed(a.feedChanges))

	// Anything else under the prefix: a JSON 404, not the widget server's page.
	m.HandleFunc(Prefix, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": apiError{Code: "no_such_call",
			Message: r.Method + " " + r.URL.Path + " is not a call of the agents' API (docs/api/agent.md)."}})
	})
}

// cut splits "METHOD path".
func cut(pattern string) (method, path string, ok bool) {
	for i := range len(pattern) {
		if pattern[i] == ' ' {
			return pattern[:i], pattern[i+1:], true
		}
	}
	return "", pattern, false
}

func value(v string, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return services.ValueBody{Value: v}, nil
}

func (a *API) me(c *call) (any, error) {
	ws := c.p.Workspace
	schema, err := a.cfg.Feed.Schema(c.r.Context())
	if err != nil {
		return nil, err
	}
	return agents.Me{Schema: schema, Agent: agents.Agent{ID: ws.Me.ID, Name: ws.Me.Name, Email: ws.Me.Email, Role: ws.Me.Role},
		Organization: agents.OrgRef{ID: ws.Organization.ID, Name: ws.Organization.Name},
		Session:      agents.Session{ID: c.p.Session.ID, AgentID: ws.Me.ID, Device: c.p.Session.Device, Method: c.p.Session.Method, Current: true}}, nil
}

// Signing in.

func (a *API) startSignin(r *http.Request) (any, error) {
	var in agents.CodeRequest
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	h, err := a.cfg.Accounts.StartSignin(r.Context(), verify.AgentCodeRequest{Email: in.Email, OrgID: in.OrganizationID,
		Handle: in.Handle, Client: a.cfg.ClientIP(r)})
	if err != nil {
		return nil, err
	}
	return agents.CodeSent{Handle: h}, nil
}

func (a *API) finishSignin(r *http.Request) (any, error) {
	var in agents.SessionRequest
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.cfg.Accounts.FinishSignin(r.Context(), in.Handle, in.Code, in.Device)
}

func (a *API) acceptInvitation(r *http.Request) (any, error) {
	var in agents.InvitationRequest
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.cfg.Accounts.AcceptInvitation(r.Context(), in.Token, in.Name, in.Device)
}

func (a *API) googleSignin(r *http.Request) (any, error) {
	var in agents.GoogleRequest
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.cfg.Accounts.GoogleSignin(r.Context(), in.OrganizationID, in.Credential, in.Device)
}

// feedChanges answers the changes after a cursor; with wait=S (seconds, at most 25) and nothing
// new, it first waits until there is something or S pass (a long poll), ending early if the
// session ends meanwhile.
func (a *API) feedChanges(c *call) (any, error) {
	q := c.r.URL.Query()
	after, err := strconv.ParseInt(q.Get("after"), 10, 64)
	if q.Get("after") == "" {
		after, err = 0, nil
	}
	if err != nil || after < 0 {
		return nil, apperr.Invalid("after", "The cursor is a change number from an earlier answer (0 to start).")
	}
	limit, err := intParam(q.Get("limit"), "limit")
	if err != nil {
		return nil, err
	}
	wait, err := intParam(q.Get("wait"), "wait")
	if err != nil {
		return nil, err
	}
	orgID := c.p.Workspace.Organization.ID
	if wait > 0 {
		tok, _ := bearer(c.r)
		alive := func() error { _, err := a.cfg.Accounts.Authenticate(c.r.Context(), tok); return err }
		if _, err := a.cfg.Feed.Wait(c.r.Context(), orgID, after, time.Duration(wait)*time.Second, alive); err != nil {
			return nil, err
		}
	}
	return a.cfg.Feed.Changes(c.r.Context(), orgID, after, limit)
}

// intParam reads an optional non-negative integer query parameter.
func intParam(raw, name string) (int, error) {
	if raw == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 0 {
		return 0, apperr.Invalid(name, name+" is a whole number of 0 or more.")
	}
	return n, nil
}
