package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/httpapi/aam"
	"github.com/roster-dev/roster/internal/roster"
	"github.com/roster-dev/roster/internal/service"
)

// auditFlags are roster audit's options.
type auditFlags struct {
	dsn           string
	partner       int64
	target, actor string
	since, until  string
	limit         int
	jsonLines     bool
}

func newAuditCmd(stdout, stderr io.Writer) *cobra.Command {
	var fl auditFlags
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Print a partner's audit log, oldest first",
		Long: "Print the audit log of one partner: every change to its users, groups, roles,\n" +
			"passwords, locks and API keys, with who made it and the names of the fields\n" +
			"it changed (never their values). Oldest first; --limit bounds how many.",
		Example: "  roster audit\n" +
			"  roster audit --partner 2 --target user:42\n" +
			"  roster audit --actor key:3 --since 2026-01-01T00:00:00Z --limit 0\n" +
			"  roster audit --actor anonymous --json | jq -r .targetId",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := fl.filter()
			if err != nil {
				return err
			}
			return withService(cmd, fl.dsn, func(svc *service.Service) error {
				if fl.limit > 0 {
					f.Limit = fl.limit + 1 // one more tells whether there are more
				}
				events, err := svc.AuditLog(cmd.Context(), fl.partner, f)
				if err != nil {
					return err
				}
				more := fl.limit > 0 && len(events) > fl.limit
				if more {
					events = events[:fl.limit]
				}
				if fl.jsonLines {
					err = writeAuditJSON(stdout, events)
				} else {
					err = writeAuditTable(stdout, events)
				}
				if err == nil && more {
					fmt.Fprintf(stderr, "roster: more events follow the first %d: narrow with --since, or pass --limit 0 for all\n", fl.limit)
				}
				return err
			})
		},
	}
	addDBFlag(cmd, &fl.dsn)
	fs := cmd.Flags()
	fs.Int64Var(&fl.partner, "partner", roster.DefaultPartnerID, "the partner whose log to print")
	fs.StringVar(&fl.target, "target", "", "only events on this target: KIND or KIND:ID, KIND one of user, group, role, apikey, partner")
	fs.StringVar(&fl.actor, "actor", "", "only events by this actor: KIND or KIND:ID, KIND one of user, key, system, anonymous")
	fs.StringVar(&fl.since, "since", "", "only events at or after this RFC 3339 time")
	fs.StringVar(&fl.until, "until", "", "only events before this RFC 3339 time")
	fs.IntVar(&fl.limit, "limit", 100, "print at most this many events; 0 prints all")
	fs.BoolVar(&fl.jsonLines, "json", false, "print one JSON object per line (JSON Lines) instead of a table")
	return cmd
}

// filter turns the flags into an audit filter; the service checks the kinds.
func (fl auditFlags) filter() (roster.AuditFilter, error) {
	var f roster.AuditFilter
	if fl.limit < 0 {
		return f, fmt.Errorf("--limit must be 0 (all) or more, not %d", fl.limit)
	}
	kind, id, err := kindID("--target", fl.target)
	if err != nil {
		return f, err
	}
	f.TargetKind, f.TargetID = roster.TargetKind(kind), id
	if kind, id, err = kindID("--actor", fl.actor); err != nil {
		return f, err
	}
	f.ActorKind, f.ActorID = roster.ActorKind(kind), id
	for _, t := range []struct {
		flag, v string
		dst     *time.Time
	}{{"--since", fl.since, &f.Since}, {"--until", fl.until, &f.Until}} {
		if t.v == "" {
			continue
		}
		if *t.dst, err = time.Parse(time.RFC3339, t.v); err != nil {
			return f, fmt.Errorf("%s must be an RFC 3339 time such as 2026-01-02T15:04:05Z, not %q", t.flag, t.v)
		}
	}
	return f, nil
}

// kindID splits "kind:id" (or "kind" alone) from a flag.
func kindID(flag, v string) (string, int64, error) {
	kind, idText, hasID := strings.Cut(v, ":")
	if !hasID {
		return kind, 0, nil
	}
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil || id < 1 || kind == "" {
		return "", 0, fmt.Errorf("%s must be KIND or KIND:ID with a positive id, not %q", flag, v)
	}
	return kind, id, nil
}

func writeAuditJSON(w io.Writer, events []roster.AuditEvent) error {
	enc := json.NewEncoder(w)
	for _, e := range events {
		l := aam.ToAuditEventJSON(e) // the API's shape
		if err := enc.Encode(l); err != nil {
			return err
		}
	}
	return nil
}

func writeAuditTable(w io.Writer, events []roster.AuditEvent) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTIME\tACTOR\tACTION\tTARGET\tCHANGES")
	for _, e := range events {
		actor := string(e.ActorKind)
		if e.ActorID != 0 {
			actor += ":" + strconv.FormatInt(e.ActorID, 10)
		}
		changes := strings.Join(e.Changes, ",")
		if changes == "" {
			changes = "-"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s:%d\t%s\n", e.ID, e.At.UTC().Format(time.RFC3339), actor, e.Action, e.TargetKind, e.TargetID, changes)
	}
	return tw.Flush()
}
