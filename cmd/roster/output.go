package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

// The output formats. Tables are for people; the rest for scripts.
const (
	formatTable = "table"
	formatJSON  = "json"  // an array for lists, an object for one thing
	formatJSONL = "jsonl" // one object a line
	formatCSV   = "csv"   // a header line, then one record a line
)

// outputFlags are --json and, on lists, --output.
type outputFlags struct {
	json   bool
	output string
	list   bool
}

// addOutputFlags adds --json to cmd, and --output (-o) if it prints a list.
func addOutputFlags(cmd *cobra.Command, o *outputFlags, list bool) {
	o.list = list
	cmd.Flags().BoolVar(&o.json, "json", false, "print JSON (the same as --output json)")
	if list {
		cmd.Flags().StringVarP(&o.output, "output", "o", formatTable, "output format: table, json, jsonl or csv")
	}
}

// format returns the chosen format, or a usage error.
func (o outputFlags) format() (string, error) {
	if !o.list {
		if o.json {
			return formatJSON, nil
		}
		return formatTable, nil
	}
	switch o.output {
	case formatTable, formatJSON, formatJSONL, formatCSV:
	default:
		return "", usagef("--output %q: use table, json, jsonl or csv", o.output)
	}
	if o.json {
		if o.output != formatTable && o.output != formatJSON {
			return "", usagef("--json and --output %s disagree: give one of them", o.output)
		}
		return formatJSON, nil
	}
	return o.output, nil
}

// column is one field of a view: its table header and its text.
type column[T any] struct {
	header string
	cell   func(T) string
}

// view says how a resource prints: as table columns, or as a JSON object
// whose field names follow the Panther dialect's where it has them.
type view[T any] struct {
	columns []column[T]
	json    func(T) any
}

// listPrinter writes a list one item at a time, so that a long list
// streams in every format but the aligned table, which needs every row
// before it knows the column widths.
type listPrinter[T any] struct {
	w      io.Writer
	format string
	v      view[T]
	tw     *tabwriter.Writer
	csv    *csv.Writer
	n      int
}

func newListPrinter[T any](w io.Writer, format string, v view[T]) *listPrinter[T] {
	p := &listPrinter[T]{w: w, format: format, v: v}
	switch format {
	case formatTable:
		p.tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(p.tw, strings.Join(p.headers(), "\t"))
	case formatCSV:
		p.csv = csv.NewWriter(w)
		_ = p.csv.Write(p.headers()) // errors surface at Flush
	}
	return p
}

func (p *listPrinter[T]) headers() []string {
	hs := make([]string, len(p.v.columns))
	for i, c := range p.v.columns {
		hs[i] = c.header
	}
	return hs
}

func (p *listPrinter[T]) cells(x T) []string {
	cs := make([]string, len(p.v.columns))
	for i, c := range p.v.columns {
		cs[i] = c.cell(x)
	}
	return cs
}

// add prints one item.
func (p *listPrinter[T]) add(x T) error {
	p.n++
	switch p.format {
	case formatTable:
		cs := p.cells(x)
		for i := range cs {
			cs[i] = oneLine(cs[i])
		}
		_, err := fmt.Fprintln(p.tw, strings.Join(cs, "\t"))
		return err
	case formatCSV:
		return p.csv.Write(p.cells(x))
	case formatJSONL:
		b, err := json.Marshal(p.v.json(x))
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(p.w, "%s\n", b)
		return err
	default:
		b, err := json.MarshalIndent(p.v.json(x), "  ", "  ")
		if err != nil {
			return err
		}
		sep := ",\n  "
		if p.n == 1 {
			sep = "[\n  "
		}
		_, err = fmt.Fprintf(p.w, "%s%s", sep, b)
		return err
	}
}

// close ends the list: the table's alignment, the JSON array's bracket.
func (p *listPrinter[T]) close() error {
	switch p.format {
	case formatTable:
		return p.tw.Flush()
	case formatCSV:
		p.csv.Flush()
		return p.csv.Error()
	case formatJSON:
		end := "\n]\n"
		if p.n == 0 {
			end = "[]\n"
		}
		_, err := io.WriteString(p.w, end)
		return err
	}
	return nil
}

// printList prints every item of xs.
func printList[T any](w io.Writer, format string, v view[T], xs []T) error {
	p := newListPrinter(w, format, v)
	for _, x := range xs {
		if err := p.add(x); err != nil {
			return err
		}
	}
	return p.close()
}

// printOne prints one item: a two-column table of field and value, or a
// JSON object.
func printOne[T any](w io.Writer, format string, v view[T], x T) error {
	if format != formatTable {
		b, err := json.MarshalIndent(v.json(x), "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range v.columns {
		fmt.Fprintf(tw, "%s:\t%s\n", c.header, oneLine(c.cell(x)))
	}
	return tw.Flush()
}

// oneLine keeps a table cell on its row: a description with newlines or
// tabs would break the alignment of every row after it.
func oneLine(s string) string {
	return strings.NewReplacer("\n", " ", "\r", " ", "\t", " ").Replace(s)
}

// when formats a time for a table or a JSON field, in UTC like the APIs.
func when(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// whenPtr formats an optional time, "" when it is unset.
func whenPtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return when(*t)
}
