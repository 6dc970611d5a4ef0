package widget_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"vouchdesk/backend/org"
	"vouchdesk/backend/senders"
	"vouchdesk/backend/testutil"
	"vouchdesk/backend/widget"
)

func TestSenderLinkNeedsOneClick(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	ws, err := org.New(st, nil).Setup(ctx, org.SetupInput{OrganizationName: `Acme <b>&</b>`, OwnerName: "Olive", OwnerEmail: "olive@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	svc := senders.New(st, time.Now, func() string { return "http://public.example" }, nil)
	if _, err := svc.Set(ctx, ws.Me, ws.Organization, "support@acme.test"); err != nil {
		t.Fatal(err)
	}
	log, _ := st.OutboxLog(ctx, ws.Organization.ID, 1)
	tok := regexp.MustCompile(`/verify/sender/([A-Za-z0-9_-]{43})`).FindStringSubmatch(sentText(t, st, log[0]))[1]
	srv := httptest.NewServer(widget.NewHandler(widget.Deps{Version: "t", DB: st, Senders: svc}))
	defer srv.Close()

	get := func(path string) (int, string) {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	post := func(path string) (int, string) {
		res, err := http.Post(srv.URL+path, "application/x-www-form-urlencoded", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}

	// A scanner opening the link (even several times) verifies nothing.
	for i := 0; i < 3; i++ {
		code, body := get("/verify/sender/" + tok)
		if code != 200 || !strings.Contains(body, "support@acme.test") || !strings.Contains(body, `<form method="post">`) {
			t.Fatalf("GET link = %d\n%s", code, body)
		}
		if strings.Contains(body, "<b>&</b>") || !strings.Contains(body, "Acme &lt;b&gt;&amp;&lt;/b&gt;") {
			t.Errorf("organization name not escaped:\n%s", body)
		}
	}
	if st2, _ := svc.Current(ctx, ws.Organization.ID); st2.Verified != nil {
		t.Fatal("GET verified the address")
	}
	code, body := post("/verify/sender/" + tok)
	if code != 200 || !strings.Contains(body, "Sender email confirmed") {
		t.Fatalf("POST link = %d\n%s", code, body)
	}
	if st2, _ := svc.Current(ctx, ws.Organization.ID); st2.Verified == nil || st2.Verified.VerifiedMethod != "link" {
		t.Errorf("after POST: %+v", st2)
	}
	for _, path := range []string{"/verify/sender/" + tok, "/verify/sender/forged", "/verify/sender/" + strings.Repeat("A", 43)} {
		if code, body := post(path); code != 404 || !strings.Contains(body, "no longer works") {
			t.Errorf("POST %s = %d, want 404 'no longer works'", path, code)
		}
	}
}
