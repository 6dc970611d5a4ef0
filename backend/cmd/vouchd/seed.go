package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"vouchdesk/backend/seed"
	"vouchdesk/backend/store"
)

func runSeed(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "the configuration file (TOML)")
	db := fs.String("db", "", "the database file")
	contacts := fs.Int("contacts", 10_000, "contacts to create (each with 1-2 emails and 0-1 phones)")
	conversations := fs.Int("conversations", 1_000, "conversations to create")
	messages := fs.Int("messages", 8, "average messages per conversation")
	rngSeed := fs.Uint64("seed", 1, "random seed: the same seed gives the same content")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if *contacts < 0 || *conversations < 0 || *messages < 0 {
		fmt.Fprintln(stderr, "vouchd seed: counts must not be negative")
		return exitUsage
	}
	path, code := dbPath(fs, *db, *cfgPath, stderr)
	if code != 0 {
		return code
	}
	st, err := store.Open(ctx, path)
	if err != nil {
		return fail(stderr, err)
	}
	defer st.Close()
	stats, err := seed.Run(ctx, st, seed.Options{Contacts: *contacts, Conversations: *conversations,
		MessagesPerConversation: *messages, Seed: *rngSeed})
	if err != nil {
		return fail(stderr, err)
	}
	secs := stats.Elapsed.Seconds()
	fmt.Fprintf(stdout, "seeded %s: %d contacts, %d fields, %d conversations, %d messages (%d rows in %.1f s, %.0f rows/s)\n",
		st.Path(), stats.Contacts, stats.Fields, stats.Conversations, stats.Messages, stats.Rows, secs, float64(stats.Rows)/max(secs, 1e-9))
	return 0
}
