package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"
	"time"

	"vouchdesk/backend/secrets"
	"vouchdesk/backend/store"
)

// progressEvery is the least time between two progress lines.
const progressEvery = 250 * time.Millisecond

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "the desktop's database file (vouchdesk.db), with the desktop app closed")
	cfgPath := fs.String("config", "", "the configuration file (TOML) naming the PostgreSQL database")
	db := fs.String("db", "", "the PostgreSQL URL, instead of --config")
	batch := fs.Int("batch", store.DefaultImportBatch, "rows per transaction")
	progress := fs.Bool("progress", true, "report progress on stderr")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if *from == "" {
		fmt.Fprintln(stderr, "vouchd import: --from FILE (the desktop's vouchdesk.db) is required")
		return exitUsage
	}
	url, code := dbPath(fs, *db, *cfgPath, stderr)
	if code != 0 {
		return code
	}
	if !store.IsPostgresURL(url) {
		fmt.Fprintf(stderr, "vouchd import: the database must be a postgres:// URL (the config names %q); an import moves a desktop's file into a team's PostgreSQL\n", url)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	src, err := store.OpenImportSource(ctx, *from)
	if err != nil {
		return fail(stderr, err)
	}
	defer src.Close()
	dst, err := store.Open(ctx, url)
	if err != nil {
		return fail(stderr, err)
	}
	defer dst.Close()

	var report func(store.ImportProgress)
	finish := func() {}
	if *progress {
		report, finish = progressLine(stderr)
	}
	sum, err := store.Import(ctx, src, dst, *batch, report)
	finish()
	if err != nil {
		if errors.Is(err, context.Canceled) {
			fmt.Fprintln(stderr, "vouchd import: stopped; what was copied stays, run the same command again to finish")
			return exitFail
		}
		return fail(stderr, err)
	}
	fmt.Fprintf(stdout, "imported %q (%s) from %s into %s in %.1f s\n\n", sum.OrgName, sum.OrgID, src.Path(), dst.Path(), sum.Elapsed.Seconds())
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "table\tsource\tcopied now\tpostgresql\t")
	for _, c := range sum.Tables {
		mark := ""
		if c.Source != c.Target {
			mark = "  differs"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\n", c.Table, c.Source, c.Copied, c.Target, mark)
	}
	tw.Flush()
	if sum.FailedUnsent > 0 {
		fmt.Fprintf(stdout, "\n%d email(s) still waiting to go carried a code or link sealed under the desktop's key; they are imported as failed (the customer asks for a new one).\n", sum.FailedUnsent)
	}
	if len(sum.SecretRefs) > 0 {
		fmt.Fprintln(stdout, "\nPasswords stay in the desktop's keyring; give vouchd each one in its environment before `vouchd serve`:")
		for _, ref := range sum.SecretRefs {
			fmt.Fprintf(stdout, "  %s (or %s_FILE)\n", secrets.EnvVar(ref), secrets.EnvVar(ref))
		}
	}
	if !sum.Match() {
		fmt.Fprintln(stderr, "vouchd import: PostgreSQL does not hold the same number of rows as the file for the tables marked \"differs\" (rows written there since an earlier import, or by another source)")
		return exitFail
	}
	return 0
}

// progressLine reports at most every progressEvery, and always a table's last batch: on a
// terminal one line rewritten in place, elsewhere (a log, a pipe) one line per report.
func progressLine(w io.Writer) (report func(store.ImportProgress), finish func()) {
	tty := false
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	var last time.Time
	var table string
	var tableStart time.Time
	return func(p store.ImportProgress) {
			now := time.Now()
			if p.Table != table {
				table, tableStart = p.Table, now
			}
			end := p.Done == p.Total
			if !end && now.Sub(last) < progressEvery {
				return
			}
			last = now
			rate := float64(p.Done) / max(now.Sub(tableStart).Seconds(), 1e-3)
			line := fmt.Sprintf("%-20s %10d / %-10d %5.1f%%  %8.0f rows/s", p.Table, p.Done, p.Total,
				100*float64(p.Done)/float64(max(p.Total, 1)), rate)
			if tty {
				fmt.Fprintf(w, "\r\033[K%s", line)
			} else {
				fmt.Fprintln(w, line)
			}
		}, func() {
			if tty {
				fmt.Fprintln(w)
			}
		}
}
