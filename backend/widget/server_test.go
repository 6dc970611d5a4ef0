package widget

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

type pinger struct{ err error }

func (p pinger) Ping(context.Context) error { return p.err }

func TestHealthz(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
		db     string
	}{
		{nil, 200, "ok"},
		{errors.New("disk I/O error at /secret/path"), 503, "unavailable"},
	} {
		srv := httptest.NewServer(NewHandler(Deps{Version: "1.2.3", DB: pinger{tc.err}}))
		res, err := http.Get(srv.URL + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		var h Health
		json.NewDecoder(res.Body).Decode(&h)
		res.Body.Close()
		srv.Close()
		if res.StatusCode != tc.status || h.Database != tc.db || h.Version != "1.2.3" {
			t.Errorf("GET /healthz (db err %v) = %d %+v; want %d database %q", tc.err, res.StatusCode, h, tc.status, tc.db)
		}
	}
}
