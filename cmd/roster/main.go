// Command roster is Roster's only binary: the server and the operator's
// commands that work on its database directly.
//
//	roster serve [--addr 127.0.0.1:8080] [--db roster.db]
//	roster keys create --name NAME --permissions UserRead,UserModify [--partner PID]
//	roster partners create --name NAME
//	roster audit [--partner PID] [--target KIND[:ID]] [--actor KIND[:ID]] [--since T] [--until T] [--limit N] [--json]
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "roster:", err)
		os.Exit(1)
	}
}

// run executes one command line. It is main without the process: tests
// call it with their own arguments, context and writers.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	return root.ExecuteContext(ctx)
}
