package org_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/org"
	"vouchdesk/backend/testutil"
)

var ctx = context.Background()

func TestSetupCreatesOrganizationOwnerAndInbox(t *testing.T) {
	st := testutil.NewStore(t)
	svc := org.New(st, nil)
	if _, err := svc.Current(ctx); !errors.Is(err, org.ErrNoOrganization) {
		t.Fatalf("Current() before setup error = %v, want ErrNoOrganization", err)
	}
	ws, err := svc.Setup(ctx, org.SetupInput{OrganizationName: "  Acme   Parcels ", OwnerName: "Olive Owner", OwnerEmail: " Olive@Acme.TEST "})
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	if ws.Organization.Name != "Acme Parcels" || ws.Me.Role != "owner" || ws.Me.Email != "olive@acme.test" {
		t.Errorf("Setup() = %+v", ws)
	}
	cur, err := svc.Current(ctx)
	if err != nil || cur.Me.ID != ws.Me.ID || cur.Organization.ID != ws.Organization.ID {
		t.Errorf("Current() = %+v, %v; want the set-up workspace", cur, err)
	}
	sum, err := svc.Summarize(ctx, cur.Organization)
	if err != nil || len(sum.Inboxes) != 1 || sum.Inboxes[0].Kind != "chat" || sum.SenderStatus != "" {
		t.Errorf("Summarize() = %+v, %v; want one chat inbox and no sender", sum, err)
	}
}

func TestSetupRejectsBadInput(t *testing.T) {
	st := testutil.NewStore(t)
	svc := org.New(st, nil)
	for _, tc := range []struct {
		in    org.SetupInput
		field string
	}{
		{org.SetupInput{OrganizationName: " ", OwnerName: "O", OwnerEmail: "o@a.test"}, "organizationName"},
		{org.SetupInput{OrganizationName: "A", OwnerName: "", OwnerEmail: "o@a.test"}, "ownerName"},
		{org.SetupInput{OrganizationName: "A", OwnerName: strings.Repeat("x", 201), OwnerEmail: "o@a.test"}, "ownerName"},
		{org.SetupInput{OrganizationName: "A", OwnerName: "O", OwnerEmail: "not an email"}, "ownerEmail"},
		{org.SetupInput{OrganizationName: "A", OwnerName: "O", OwnerEmail: "o@a.test\r\nBcc: x@y.z"}, "ownerEmail"},
		{org.SetupInput{OrganizationName: "A\x00B", OwnerName: "O", OwnerEmail: "o@a.test"}, "organizationName"},
	} {
		_, err := svc.Setup(ctx, tc.in)
		e, ok := apperr.As(err)
		if !ok || e.Code != apperr.CodeInvalid || e.Field != tc.field {
			t.Errorf("Setup(%+v) error = %v, want invalid %s", tc.in, err, tc.field)
		}
	}
	if _, err := svc.Current(ctx); !errors.Is(err, org.ErrNoOrganization) {
		t.Errorf("after rejected setups Current() error = %v, want ErrNoOrganization", err)
	}
}

func TestSetupRunsOnceEvenWhenRacing(t *testing.T) {
	st := testutil.NewStore(t)
	svc := org.New(st, nil)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, errs[i] = svc.Setup(ctx, org.SetupInput{OrganizationName: "Acme", OwnerName: "O", OwnerEmail: "o@a.test"})
		}(i)
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if e, isApp := apperr.As(err); !isApp || e.Code != apperr.CodeConflict {
			t.Errorf("racing Setup error = %v, want conflict", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d racing setups succeeded, want exactly 1", ok)
	}
}
