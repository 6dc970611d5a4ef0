package main

import (
	"context"
	"flag"
	"fmt"
	"io"
)

func runSeed(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	fmt.Fprintln(stderr, "vouchd seed: not wired yet")
	return exitFail
}
