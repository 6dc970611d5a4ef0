// Package layers holds no code: its test keeps the backend's import rules (which package may
// import which, docs/architecture.md) from regressing. It runs with every `go test ./...`.
package layers
