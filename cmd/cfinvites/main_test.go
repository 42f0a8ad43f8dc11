//go:build unix

// The tests that run the built programs send them signals: Unix only.

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The tests of this file drive the real programs: TestMain builds cfinvites
// and cloudflare-fake once, and each test starts cloudflare-fake (or an
// in-process fake, when it needs faults), runs cfinvites against it as a
// script would, and checks outputs, exit statuses and the fake's state.

// Paths of the built programs.
var cfinvites, fakeBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cfinvites-test")
	if err != nil {
		panic(err)
	}
	cfinvites = filepath.Join(dir, "cfinvites")
	fakeBin = filepath.Join(dir, "cloudflare-fake")
	for out, pkg := range map[string]string{cfinvites: ".", fakeBin: "../cloudflare-fake"} {
		build := exec.Command("go", "build", "-o", out, pkg)
		build.Stderr = os.Stderr
		if err := build.Run(); err != nil {
			panic("building " + pkg + ": " + err.Error())
		}
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// result is what one run of a program produced.
type result struct {
	code           int
	stdout, stderr string
}

// baseEnv is the environment every run starts from: no Cloudflare
// variable of the machine leaks in.
func baseEnv(t *testing.T) []string {
	return []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
}

// start starts a program with env and args, its stdout and stderr
// collected into the returned buffers.
func start(t *testing.T, bin string, env []string, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Start())
	return cmd, &stdout, &stderr
}

// wait waits for a started program, at most 30 s.
func wait(t *testing.T, cmd *exec.Cmd, stdout, stderr *bytes.Buffer) result {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("%s did not finish within 30 s; stderr: %s", cmd.Path, stderr)
	}
	code := 0
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		code = exitErr.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// cli runs cfinvites to the end.
func cli(t *testing.T, env []string, args ...string) result {
	t.Helper()
	cmd, stdout, stderr := start(t, cfinvites, env, args...)
	return wait(t, cmd, stdout, stderr)
}

// fake is a running cloudflare-fake.
type fake struct {
	cmd     *exec.Cmd
	stderr  *bytes.Buffer
	stopped bool
	exports map[string]string // the variables its export lines set
	lines   []string          // everything it printed on stdout
}

// startFake starts cloudflare-fake with args and reads its stdout to the
// end (it closes it once the export lines are out). At cleanup it stops it
// with SIGTERM, unless the test did, and checks that it exited 0.
func startFake(t *testing.T, args ...string) *fake {
	t.Helper()
	f := &fake{cmd: exec.Command(fakeBin, args...), stderr: &bytes.Buffer{}, exports: map[string]string{}}
	f.cmd.Env = baseEnv(t)
	f.cmd.Stderr = f.stderr
	out, err := f.cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, f.cmd.Start())
	t.Cleanup(func() {
		if !f.stopped {
			r := f.stop(t, syscall.SIGTERM)
			assert.Equal(t, 0, r.code, "cloudflare-fake exits 0 on SIGTERM; stderr: %s", r.stderr)
		}
	})
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		f.lines = append(f.lines, line)
		if kv, ok := strings.CutPrefix(line, "export "); ok {
			k, v, _ := strings.Cut(kv, "=")
			f.exports[k] = v
		}
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, f.exports["CLOUDFLARE_BASE_URL"], "stderr: %s", f.stderr)
	return f
}

// stop sends sig to the fake and waits for it to exit.
func (f *fake) stop(t *testing.T, sig os.Signal) result {
	t.Helper()
	f.stopped = true
	require.NoError(t, f.cmd.Process.Signal(sig))
	return wait(t, f.cmd, &bytes.Buffer{}, f.stderr)
}

// env returns the environment of a script that evaluated the fake's
// export lines.
func (f *fake) env(t *testing.T) []string {
	env := baseEnv(t)
	for k, v := range f.exports {
		env = append(env, k+"="+v)
	}
	return env
}

// apiList returns the "result" of GET /user/invites as the fake sends it,
// read without the SDK or cfinvites.
func (f *fake) apiList(t *testing.T) []json.RawMessage {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, f.exports["CLOUDFLARE_BASE_URL"]+"user/invites", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+f.exports["CLOUDFLARE_API_TOKEN"])
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode, "%s", body)
	var env struct{ Result []json.RawMessage }
	require.NoError(t, json.Unmarshal(body, &env))
	return env.Result
}

// statuses returns the status of each invitation the fake holds, by ID.
func (f *fake) statuses(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, raw := range f.apiList(t) {
		var inv struct{ ID, Status string }
		require.NoError(t, json.Unmarshal(raw, &inv))
		out[inv.ID] = inv.Status
	}
	return out
}

// lines splits output into its lines.
func lines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}
