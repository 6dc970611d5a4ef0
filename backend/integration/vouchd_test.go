package integration

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// buildVouchd compiles the vouchd command (without -race: it runs as a separate process) into a
// temporary folder and returns the binary's path.
func buildVouchd(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build vouchd: %v", err)
	}
	out, err := exec.Command(goBin, "env", "GOMOD").Output()
	gomod := strings.TrimSpace(string(out))
	if err != nil || gomod == "" || gomod == os.DevNull {
		t.Fatalf("go env GOMOD = %q, %v: not inside the vouchdesk module", gomod, err)
	}
	bin := filepath.Join(t.TempDir(), "vouchd")
	build := exec.Command(goBin, "build", "-tags", "sqlite_fts5", "-o", bin, "./backend/cmd/vouchd")
	build.Dir = filepath.Dir(gomod)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build vouchd: %v\n%s", err, out)
	}
	return bin
}

// lockedBuffer collects a process's output; safe to read while it is written.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// vouchdProc is one running `vouchd serve`.
type vouchdProc struct {
	t    *testing.T
	name string
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan struct{} // closed when the process has exited
	err  error         // Wait's result, set before done is closed
}

// startVouchd runs `vouchd serve --config cfg` with extra environment variables. The process is
// killed at cleanup if it is still running, and its output is logged when the test failed.
func startVouchd(t *testing.T, name, bin, cfg string, env ...string) *vouchdProc {
	t.Helper()
	p := &vouchdProc{t: t, name: name, out: &lockedBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, "serve", "--config", cfg)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout = p.out
	p.cmd.Stderr = p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start vouchd (%s): %v", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		if !p.exited() {
			p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("vouchd (%s) output:\n%s", name, p.out.String())
		}
	})
	return p
}

func (p *vouchdProc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// waitOutput waits until the process has written s; false when it exits or timeout passes first.
func (p *vouchdProc) waitOutput(s string, timeout time.Duration) bool {
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if strings.Contains(p.out.String(), s) {
			return true
		}
		if p.exited() {
			return strings.Contains(p.out.String(), s)
		}
	}
	return false
}

// kill9 kills the process with SIGKILL and waits until it is gone.
func (p *vouchdProc) kill9() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		p.t.Fatalf("kill -9 vouchd (%s): %v", p.name, err)
	}
	<-p.done
}

// stop sends SIGTERM and waits for a clean exit (status 0) within timeout.
func (p *vouchdProc) stop(timeout time.Duration) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		p.t.Fatalf("SIGTERM to vouchd (%s): %v", p.name, err)
	}
	select {
	case <-p.done:
	case <-time.After(timeout):
		p.t.Fatalf("vouchd (%s) still running %v after SIGTERM", p.name, timeout)
	}
	if p.err != nil {
		p.t.Fatalf("vouchd (%s) after SIGTERM: %v (want exit status 0)", p.name, p.err)
	}
}
