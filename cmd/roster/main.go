// Command roster is Roster's only binary: the server and the operator's
// commands that work on its database directly, through the service layer.
//
//	roster serve [--addr 127.0.0.1:8080] [--db roster.db]
//	roster users list|get|create|update|delete|import|export
//	roster groups list|get|create|update|delete
//	roster roles list
//	roster keys list|create|revoke
//	roster partners list|create
//	roster audit [--target KIND[:ID]] [--actor KIND[:ID]] [--since T] [--until T] [--json]
//	roster migrate | version
//
// Every command exits 0 on success, 2 on a usage error, 3 when something
// is not found, 4 on a conflict, 5 on invalid input and 1 otherwise.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "roster:", err)
		os.Exit(exitCode(err))
	}
}

// run executes one command line. It is main without the process: tests
// call it with their own arguments, context and writers, and exitCode of
// its error is the process's exit code. A usage error names the help to
// read.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err != nil && exitCode(err) == exitUsage && !strings.Contains(err.Error(), "--help") {
		// cobra's suggestions span lines; an error is one line.
		msg := strings.Join(strings.Fields(err.Error()), " ")
		return usagef("%s (see: %s --help)", msg, cmd.CommandPath())
	}
	return err
}
