package layers_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "vouchdesk"

// imports parses every non-test Go file of the module (from its root) and returns, per package
// import path, what it imports.
func imports(t *testing.T) map[string][]string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "node_modules", "frontend", ".git", "build", "out":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkg := module
		if rel != "." {
			pkg = module + "/" + filepath.ToSlash(rel)
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			out[pkg] = append(out[pkg], p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func in(pkg string, prefixes ...string) bool {
	for _, p := range prefixes {
		if pkg == p || strings.HasPrefix(pkg, p+"/") {
			return true
		}
	}
	return false
}

// TestImportRules: arrows point down. The desktop's services reach the domain only through their
// narrow interfaces (never the store or the engine); the domain never reaches up into the engine,
// the services, the widget server or Wails; the store imports nothing of ours; only app.go
// touches the Wails runtime.
func TestImportRules(t *testing.T) {
	const (
		store    = module + "/backend/store"
		engine   = module + "/backend/engine"
		services = module + "/backend/services"
		widget   = module + "/backend/widget"
		cmd      = module + "/backend/cmd"
		agentapi = module + "/backend/agentapi"
		wails    = "github.com/wailsapp/wails"
	)
	domain := []string{"agents", "apperr", "backup", "feed", "idempotency", "bounce", "calls", "chat", "contacts", "conversations", "mailaccounts", "mailbox", "org",
		"outbox", "replica", "secrets", "senders", "signin", "startup", "textrules", "token", "transcript", "verify"}
	for i, d := range domain {
		domain[i] = module + "/backend/" + d
	}
	all := imports(t)
	if len(all[services]) == 0 || len(all[store]) == 0 {
		t.Fatalf("parsed no imports for %s or %s: is the module root right?", services, store)
	}
	type rule struct {
		who    func(pkg string) bool
		never  []string
		reason string
	}
	rules := []rule{
		{func(p string) bool { return in(p, services) }, []string{store, engine, wails},
			"the services call use cases through their interfaces (services/ports.go)"},
		{func(p string) bool { return in(p, domain...) }, []string{engine, services, widget, cmd, wails, agentapi},
			"the domain does not reach up"},
		{func(p string) bool { return in(p, store) }, []string{module + "/"},
			"the store imports nothing of ours"},
		{func(p string) bool { return in(p, engine) }, []string{services, wails, agentapi},
			"the engine is wired to the services (and the agents' API on them) by app.go and vouchd, never the other way"},
		{func(p string) bool { return in(p, agentapi) }, []string{store, engine, wails},
			"the agents' API runs the desktop's services and the accounts domain, as the desktop does"},
		{func(p string) bool { return in(p, widget) && !in(p, widget+"/loadtest", widget+"/enumtiming") }, // tools that start an engine
			[]string{engine, services, wails}, "the widget server calls the domain"},
		{func(p string) bool { return p != module }, []string{wails + "/v2/pkg/runtime"},
			"only app.go touches the Wails runtime"},
	}
	for pkg, imps := range all {
		for _, r := range rules {
			if !r.who(pkg) {
				continue
			}
			for _, imp := range imps {
				for _, bad := range r.never {
					if imp == bad || strings.HasPrefix(imp, bad+"/") || (strings.HasSuffix(bad, "/") && strings.HasPrefix(imp, bad)) {
						t.Errorf("%s imports %s: %s", pkg, imp, r.reason)
					}
				}
			}
		}
	}
}
