//go:build unix

package main

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-b6b9b3cb/cloudflare-go/cloudflaretest"
)

// The built command, stopped by a signal while an answer is in flight,
// sends nothing more and exits with 128 + the signal's number.
func TestBuiltCommandStopsOnSignal(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "cfinvites")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	for sig, code := range map[syscall.Signal]int{syscall.SIGINT: 130, syscall.SIGTERM: 143} {
		srv := cloudflaretest.NewServer()
		t.Cleanup(srv.Close)
		srv.FailNext(1, cloudflaretest.Slow(time.Minute), cloudflaretest.OnMethod(http.MethodPatch))
		cmd := exec.Command(bin, "accept", pend, pend2)
		cmd.Env = append(os.Environ(), "CLOUDFLARE_BASE_URL="+srv.URL, "CLOUDFLARE_API_TOKEN="+cloudflaretest.DefaultToken,
			"CLOUDFLARE_EMAIL=", "CLOUDFLARE_API_KEY=")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		require.NoError(t, cmd.Start())
		require.Eventually(t, func() bool { return len(srv.Requests()) == 1 }, 30*time.Second, 10*time.Millisecond,
			"the first answer is sent, and hangs")
		require.NoError(t, cmd.Process.Signal(sig))
		_ = cmd.Wait()
		assert.Equal(t, code, cmd.ProcessState.ExitCode(), stderr.String())
		assert.Empty(t, stdout.String())
		assert.Contains(t, stderr.String(), "outcome unknown")
		assert.Contains(t, stderr.String(), "cfinvites: accept "+pend2+": not sent: "+stopped{sig}.Error()+"\n")
		assert.Len(t, srv.Requests(), 1, "nothing more is sent")
	}
}
