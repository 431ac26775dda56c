package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/npusim/npusim/cmd/npusim/internal/classroom/site"
	"github.com/npusim/npusim/internal/atomicfile"
	"github.com/spf13/cobra"
)

func newClassroomCommand() *cobra.Command {
	var addr, static string
	cmd := &cobra.Command{
		Use:   "classroom",
		Short: "Serve the classroom page: 2 x 3, the array cycle by cycle, one network on many phones",
		Long: `classroom serves a web page for teaching with npusim, with three panels:

  1. "2 x 3": two real numbers, their scales and zero points, every
     requantization variant's integers at each step, and a slider over the
     output scale that shows where the variants disagree (npusim demo);
  2. "inside the array": a small matrix product on the tiny NPU's 8 x 8
     array, clocked cycle by cycle by the register-level model (npusim trace),
     with play, pause and step, and each fold's 2r + c + M - 2 cycles;
  3. "one network, many phones": a digit drawn on the page or taken from the
     test set, classified by the digits network under every driver policy.

The page computes with npusim's own Go code compiled to WebAssembly, so it
cannot disagree with the command line; it runs entirely in the browser,
offline. classroom compiles that WebAssembly at startup with the local Go
toolchain (a few seconds the first time, then from Go's build cache), so it
must run inside npusim's source tree with go in PATH.

With --static DIR it writes the page as static files instead (index.html,
app.js, style.css, npusim.wasm, wasm_exec.js) for any web server; browsers
do not run WebAssembly from file:// pages, so serve DIR over HTTP.`,
		Example: `  npusim classroom
  npusim classroom --addr 0.0.0.0:8080      # reachable from the students' phones
  npusim classroom --static classroom-page && python3 -m http.server -d classroom-page`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var ln net.Listener
			switch {
			case static != "" && cmd.Flags().Changed("addr"):
				return fmt.Errorf("--addr: the page is served from an address or written with --static, not both")
			case static != "":
				if err := atomicfile.CheckNewDir(static); err != nil { // a file there would be removed
					return fmt.Errorf("--static: %w", err)
				}
			default: // the address is taken before the page is built, so a bad one fails at once
				var err error
				if ln, err = net.Listen("tcp", addr); err != nil {
					return fmt.Errorf("--addr: %w", err)
				}
				defer func() { _ = ln.Close() }() // after a failed build; the server's shutdown closes it too
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			fmt.Fprintln(cmd.ErrOrStderr(), "compiling the page's WebAssembly...")
			s, err := site.Build(ctx)
			if err != nil {
				return runtimeErr(err)
			}
			if static != "" {
				if err := s.WriteDir(static); err != nil {
					return runtimeErr(err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "classroom page written to %s (%v); serve it over HTTP\n", static, s.Files())
				return nil
			}
			return serveClassroom(ctx, cmd, ln, s)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080",
		"address to serve the page on (host:port; port 0 picks a free one)")
	cmd.Flags().StringVar(&static, "static", "",
		"write the page as static files into this new or empty directory instead of serving it")
	return cmd
}

// serveClassroom serves the page on ln until the context ends (Ctrl-C).
func serveClassroom(ctx context.Context, cmd *cobra.Command, ln net.Listener, s *site.Site) error {
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(cmd.OutOrStdout(), "classroom page: http://%s/ (Ctrl-C stops)\n", ln.Addr())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return runtimeErr(err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return runtimeErr(err)
	}
	return nil
}
