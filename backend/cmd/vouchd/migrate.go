package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"vouchdesk/backend/config"
	"vouchdesk/backend/store"
)

// dbFlags resolves the database path from --db or --config.
func dbPath(fs *flag.FlagSet, db, cfgPath string, stderr io.Writer) (string, int) {
	switch {
	case db != "" && cfgPath != "":
		fmt.Fprintf(stderr, "vouchd %s: give --db or --config, not both\n", fs.Name())
		return "", exitUsage
	case db != "":
		return db, 0
	case cfgPath != "":
		cfg, err := config.Load(cfgPath)
		if err != nil {
			return "", fail(stderr, err)
		}
		return cfg.Database, 0
	}
	fmt.Fprintf(stderr, "vouchd %s: --config FILE or --db PATH is required\n", fs.Name())
	return "", exitUsage
}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "the configuration file (TOML)")
	db := fs.String("db", "", "the database file")
	if err := fs.Parse(args); err != nil {
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
	v, err := st.SchemaVersion(ctx)
	if err != nil {
		return fail(stderr, err)
	}
	fmt.Fprintf(stdout, "%s: schema version %d (up to date)\n", st.Path(), v)
	return 0
}
