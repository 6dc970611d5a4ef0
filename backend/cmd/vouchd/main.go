// Command vouchd is Vouch Desk without a window: the same engine as the desktop app, for a server
// that hosts the widget for a team, and for end-to-end tests. It builds without GTK or WebKit.
//
//	vouchd serve   --config FILE        run the engine until SIGINT/SIGTERM
//	vouchd status  --config FILE [--json]  describe the organization and its data
//	vouchd migrate --config FILE | --db PATH  bring a database to this build's schema
//	vouchd seed    --db PATH --contacts N ...  fill a database with generated data (benchmarks)
//	vouchd import  --from FILE --config FILE  copy a desktop's desk into the team's PostgreSQL
//	vouchd version
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"vouchdesk/backend/config"
	"vouchdesk/backend/store"
	"vouchdesk/backend/version"
)

// Exit codes: 1 for a failure while running, 2 for a usage or configuration mistake.
const (
	exitFail  = 1
	exitUsage = 2
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: vouchd <command> [flags]

commands:
  serve   --config FILE              run the engine (widget server, workers) until stopped
  status  --config FILE [--json]     describe the organization, inboxes, sender email and counts
  migrate --config FILE | --db PATH  apply pending schema migrations
  seed    --db PATH [--contacts N] [--conversations N] [--messages N]
                                     fill a database with generated data for benchmarks
  import  --from FILE --config FILE | --db URL [--progress=false] [--batch N]
                                     copy a desktop's database file into PostgreSQL
  version                            print the version
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], stdout, stderr)
	case "status":
		return runStatus(ctx, args[1:], stdout, stderr)
	case "migrate":
		return runMigrate(ctx, args[1:], stdout, stderr)
	case "seed":
		return runSeed(ctx, args[1:], stdout, stderr)
	case "import":
		return runImport(ctx, args[1:], stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "vouchd", version.Version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "vouchd: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
}

// fail prints err for a person and returns the exit code that fits it.
func fail(stderr io.Writer, err error) int {
	var ce *config.Error
	if errors.As(err, &ce) {
		fmt.Fprintf(stderr, "vouchd: invalid config: %v\n", err)
		return exitUsage
	}
	var oe *store.OpenError
	if errors.As(err, &oe) {
		fmt.Fprintf(stderr, "vouchd: cannot open the database: %v [%s]\n", err, oe.Code)
		return exitFail
	}
	fmt.Fprintf(stderr, "vouchd: %v\n", err)
	return exitFail
}
