package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// TestClassroomStatic writes the page as static files.
func TestClassroomStatic(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the page's WebAssembly")
	}
	dir := filepath.Join(t.TempDir(), "page")
	status, out, errOut := runCLI("classroom", "--static", dir)
	if status != 0 || !strings.HasPrefix(out, "classroom page written to "+dir) {
		t.Fatalf("exit %d: %s %s", status, out, errOut)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"app.js", "index.html", "npusim.wasm", "style.css", "wasm_exec.js"}; !slices.Equal(names, want) {
		t.Errorf("files %v, want %v", names, want)
	}
	status, out, errOut = runCLI("classroom", "--static", dir)
	if status != 2 || out != "" || !strings.Contains(errOut, "--static: "+dir+": is not empty") {
		t.Errorf("a second write: exit %d, %q %q", status, out, errOut)
	}
}

func TestClassroomBadFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"classroom", "extra"}, `unknown command "extra"`},
		{[]string{"classroom", "--port", "80"}, "unknown flag: --port"},
		{[]string{"classroom", "--addr", "127.0.0.1:99999"}, "--addr: listen tcp: address 99999: invalid port"},
		{[]string{"classroom", "--addr", "127.0.0.1:0", "--static", "page"}, "--addr: the page is served from an address or written with --static, not both"},
	} {
		status, out, errOut := runCLI(c.args...)
		if status != 2 || out != "" || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, %q, %q", c.args, status, out, errOut)
		}
	}
}

// TestServeClassroom serves a page on a free port, fetches it and stops on
// the context's end, as on Ctrl-C.
func TestServeClassroom(t *testing.T) {
	s := testPage(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, w := io.Pipe()
	cmd := &cobra.Command{}
	cmd.SetOut(w)
	done := make(chan error, 1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { done <- errors.Join(serveClassroom(ctx, cmd, ln, s), w.Close()) }()
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	url, ok := strings.CutPrefix(line, "classroom page: ")
	url, _, _ = strings.Cut(url, " ")
	if !ok || !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("printed %q", line)
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if err := resp.Body.Close(); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte("<title>npusim classroom</title>")) {
		t.Errorf("GET %s: %d %.80q", url, resp.StatusCode, body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v after the interrupt", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not stop")
	}
}
