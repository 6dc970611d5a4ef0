// Command gen writes the text rules of backend/textrules as TypeScript for the desktop UI and the
// widget. Run it from the repository root or through `go generate ./backend/textrules`.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"vouchdesk/backend/textrules"
)

func main() {
	// go generate runs in the package directory; the repository root is two levels up.
	root := "."
	if _, err := os.Stat("go.mod"); err != nil {
		root = filepath.Join("..", "..")
	}
	path := filepath.Join(root, textrules.GeneratedPath)
	if err := os.WriteFile(path, textrules.TypeScript(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "textrules gen:", err)
		os.Exit(1)
	}
}
