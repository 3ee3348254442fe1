package sqlite

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The substring searches (UserFilter.Contains and Search, GroupFilter.Search)
// look for a lower-cased needle in lower-cased text. instr() decides whether
// a row matches, exactly as it always has. When the needle has at least one
// trigram, the query also joins the trigram index of migration 00003
// (users_fts, groups_fts), which finds the candidates without reading every
// row of the partner.
//
// The index never loses a row that instr() would match: a phrase of trigrams
// matches wherever the needle is a substring of the indexed text, and the
// text is the very column instr() reads. It can find more, in one case:
// FTS5 reads U+FFFE and U+FFFF as U+FFFD, which Go's ToLower does not, and
// instr() then drops those rows. So the results are instr()'s, whatever the
// tokenizer does; the index only decides how many rows are read.
//
// In id order the index hands out its rows in that order, so a page stops
// at its last row however many match. A count, or a page in another order,
// reads every match: for a needle most of the partner's users contain
// ("example.com") that costs about twice the scan it replaces, where a
// selective needle costs a hundredth of it.

// minTrigramRunes is the shortest needle the trigram index can look up: a
// shorter one has no trigram, and FTS5 would match no row at all.
const minTrigramRunes = 3

// trigramTerm returns the FTS5 query term that finds needle in the columns
// cols (space-separated), or "" if needle is too short for the index.
// needle comes from strings.ToLower, which always returns valid UTF-8, so
// its runes are the characters the tokenizer sees.
func trigramTerm(cols, needle string) string {
	if utf8.RuneCountInString(needle) < minTrigramRunes {
		return ""
	}
	return "({" + cols + "} : " + ftsPhrase(needle) + ")"
}

// trigramQuery returns the FTS5 query for the rows of the partner that
// match every one of terms. The partner column holds "#<id>#", and no other
// partner's value contains that phrase.
func trigramQuery(partnerID int64, terms []string) string {
	partner := "({partner} : " + ftsPhrase("#"+strconv.FormatInt(partnerID, 10)+"#") + ")"
	return strings.Join(append([]string{partner}, terms...), " AND ")
}

// ftsPhrase quotes s as one FTS5 phrase. Inside double quotes FTS5 parses
// nothing — not AND, NEAR, *, ^, :, parentheses or column names — except
// the double quote itself, which is written twice; the trigram tokenizer
// then turns the whole string, spaces included, into consecutive trigrams.
func ftsPhrase(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// flushSearchIndex carries out on the search index what a batch's writes
// noted in users_fts_pending (migration 00007 says why): the old texts
// out, the users that still exist in, and the table emptied. The group
// commit runs it after the batch's last savepoint, so that FTS5 writes one
// index segment for the whole batch rather than one per write. Most
// batches change no user's text (sign-ins, keys, audit appends): for them
// it is one lookup of the empty table.
func flushSearchIndex(ctx context.Context, q queryer) error {
	var pending bool
	if err := q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM users_fts_pending)`).Scan(&pending); err != nil {
		return fmt.Errorf("sqlite: bring the search index up to date: %w", err)
	}
	if !pending {
		return nil
	}
	for _, stmt := range []string{
		`DELETE FROM users_fts WHERE rowid IN (SELECT id FROM users_fts_pending WHERE indexed)`,
		`INSERT INTO users_fts (rowid, partner, search, username_norm)
		SELECT u.id, '#' || u.partner_id || '#', u.search, u.username_norm
		FROM users_fts_pending p JOIN users u ON u.id = p.id`,
		`DELETE FROM users_fts_pending`,
	} {
		if _, err := q.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("sqlite: bring the search index up to date: %w", err)
		}
	}
	return nil
}

// Optimize merges each trigram index into a single segment. A bulk load
// leaves an index in the segments its batches wrote, FTS5 only merging
// four of a level at a time, and a search looks its terms up in every
// segment: a million imported users' index in seven segments cost a
// contains page a third more CPU than the same index in one (990 against
// 700-790 µs per 60-user page, docs/BENCHMARKS.md). It runs as one write
// of the group commit, so it waits for the writes before it and holds
// those after it (six seconds for a million users).
func (s *Store) Optimize(ctx context.Context) error {
	return s.transact(ctx, func(tx *Store) error {
		for _, table := range []string{"users_fts", "groups_fts"} {
			q := `INSERT INTO ` + table + ` (` + table + `) VALUES ('optimize')`
			if _, err := tx.writer().ExecContext(ctx, q); err != nil {
				return fmt.Errorf("sqlite: optimize %s: %w", table, err)
			}
		}
		return nil
	})
}
