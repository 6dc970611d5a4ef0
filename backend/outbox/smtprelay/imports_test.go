package smtprelay_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const (
	module    = "vouchdesk"
	goMail    = "github.com/go-mail/mail/v2"
	thisPkg   = module + "/backend/outbox/smtprelay"
	outboxPkg = module + "/backend/outbox"
)

// wiring may import this package: the engine hands a Relay to the outbox worker, and mailaccounts
// builds the Options from the SMTP account and tests the connection (docs/decisions.md, issue 14).
var wiring = []string{module + "/backend/engine", module + "/backend/mailaccounts"}

// moduleImports parses the imports of every Go file of the module (build tags ignored, so a file
// for another platform counts too) and returns, per package, what its non-test files import and
// what each of its files imports.
func moduleImports(t *testing.T) (pkgs map[string][]string, files map[string][]string) {
	t.Helper()
	root, err := filepath.Abs("../../..") // backend/outbox/smtprelay -> the module root
	if err != nil {
		t.Fatal(err)
	}
	pkgs, files = map[string][]string{}, map[string][]string{}
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != root && (n == "node_modules" || n == "frontend" || n == "build" || n == "testdata" || strings.HasPrefix(n, ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkg := module
		if rel != "." {
			pkg += "/" + filepath.ToSlash(rel)
		}
		relFile, _ := filepath.Rel(root, path)
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			files[filepath.ToSlash(relFile)] = append(files[filepath.ToSlash(relFile)], p)
			if !strings.HasSuffix(path, "_test.go") {
				pkgs[pkg] = append(pkgs[pkg], p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs[outboxPkg]) == 0 || len(pkgs[thisPkg]) == 0 {
		t.Fatalf("parsed no imports for %s or %s: is the module root right (%s)?", outboxPkg, thisPkg, root)
	}
	return pkgs, files
}

// TestOnlySMTPRelayImportsGoMail keeps the mail library behind the outbox's transport: one package
// speaks SMTP, the queue and everything that queues mail only see outbox.Transport and Enqueue.
func TestOnlySMTPRelayImportsGoMail(t *testing.T) {
	pkgs, files := moduleImports(t)
	for file, imps := range files {
		if slices.Contains(imps, goMail) && !strings.HasPrefix(file, "backend/outbox/smtprelay/") {
			t.Errorf("%s imports %s; only backend/outbox/smtprelay may (queue mail with outbox.Enqueue)", file, goMail)
		}
	}
	for pkg, imps := range pkgs {
		if slices.Contains(imps, thisPkg) && pkg != thisPkg && !slices.Contains(wiring, pkg) {
			t.Errorf("%s imports %s; only %v may (others queue mail with outbox.Enqueue)", pkg, thisPkg, wiring)
		}
	}
	// The queue and every package that queues mail stay free of the mail library, also through
	// what they import.
	// The desktop's services read the outbox's delivery log and reach the relay's "test the
	// connection" through mailaccounts; they queue nothing, so they are not held to this.
	facades := []string{"vouchdesk/backend/services"}
	mailFree := []string{outboxPkg}
	for pkg, imps := range pkgs {
		if slices.Contains(imps, outboxPkg) && pkg != thisPkg && !slices.Contains(wiring, pkg) && !slices.Contains(facades, pkg) {
			mailFree = append(mailFree, pkg)
		}
	}
	sort.Strings(mailFree)
	if len(mailFree) < 2 {
		t.Fatalf("found no package that queues mail besides outbox: the parse is wrong")
	}
	for _, pkg := range mailFree {
		if chain := pathTo(pkgs, pkg, goMail); chain != nil {
			t.Errorf("%s reaches %s: %s", pkg, goMail, strings.Join(chain, " -> "))
		}
	}
}

// pathTo returns an import chain from pkg to target through the module's packages, nil if none.
func pathTo(pkgs map[string][]string, pkg, target string) []string {
	seen := map[string]bool{}
	var walk func(p string) []string
	walk = func(p string) []string {
		if p == target {
			return []string{p}
		}
		if seen[p] {
			return nil
		}
		seen[p] = true
		for _, imp := range pkgs[p] {
			if imp != target && !strings.HasPrefix(imp, module+"/") {
				continue
			}
			if rest := walk(imp); rest != nil {
				return append([]string{p}, rest...)
			}
		}
		return nil
	}
	return walk(pkg)
}
