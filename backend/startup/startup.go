// Package startup says why the desktop app could not start, in words for its full-window error
// screen: the data folder, a locked, newer, damaged or un-upgradable database, or anything else.
package startup

import (
	"errors"

	"vouchdesk/backend/store"
)

// Problem is why the engine could not start, for the UI's full-window error screen.
type Problem struct {
	Code   string `json:"code"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Path   string `json:"path"`
}

var problemTitles = map[store.OpenCode]string{
	store.DataDirUnwritable: "The data folder cannot be written",
	store.Locked:            "The database is already in use",
	store.TooNew:            "The database is from a newer Vouch Desk",
	store.Corrupt:           "The database file is damaged",
	store.UpgradeFailed:     "The database could not be upgraded",
}

// ProblemFrom says what went wrong in words for that screen: a database problem by its kind,
// anything else as "Vouch Desk could not start" with the error.
func ProblemFrom(err error) *Problem {
	var oe *store.OpenError
	if errors.As(err, &oe) {
		p := &Problem{Code: string(oe.Code), Title: problemTitles[oe.Code], Detail: oe.Msg + ".", Path: oe.Path}
		if p.Title == "" {
			p.Code, p.Title = string(store.OtherProblem), "Vouch Desk could not open its database"
		}
		return p
	}
	return &Problem{Code: string(store.OtherProblem), Title: "Vouch Desk could not start", Detail: err.Error()}
}
