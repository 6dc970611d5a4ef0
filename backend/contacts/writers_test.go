package contacts_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestOneWriterOfProofsAndMerges keeps the rule that one function records proofs and one
// package merges: outside the files named here, no code of the backend (tests aside) calls the
// store's writers of verifications, device proofs or merge row moves. A second writer is how
// the email swap of issue 13 got in: each path had its own idea of what a proof proves.
func TestOneWriterOfProofsAndMerges(t *testing.T) {
	allowed := map[string][]string{
		"InsertVerification": {"contacts/proof.go"},
		"InsertDeviceProof":  {"contacts/proof.go"},
		"MoveContactRows":    {"contacts/merge.go"},
		"UnmergeRows":        {"contacts/merge.go"},
		"InsertMerge":        {"contacts/merge.go"},
	}
	root := ".."
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if strings.HasPrefix(rel, "store/") { // the writers themselves
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			files, watched := allowed[sel.Sel.Name]
			if !watched {
				return true
			}
			for _, ok := range files {
				if rel == ok {
					return true
				}
			}
			t.Errorf("%s calls %s; only %v may (one writer of proofs and merges)", fset.Position(call.Pos()), sel.Sel.Name, files)
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
