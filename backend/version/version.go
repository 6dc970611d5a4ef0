// Package version holds the version of this build, set from the VERSION file by the Makefile
// (-ldflags "-X vouchdesk/backend/version.Version=...").
package version

// Version is the release this binary was built from; "dev" when built without the Makefile.
var Version = "dev"
