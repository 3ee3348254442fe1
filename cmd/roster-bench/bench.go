package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"github.com/roster-dev/roster/internal/roster"
)

// bench is one run: its settings and what it started, so that cleanup
// can stop and remove it all however far the run got.
type bench struct {
	cfg    config
	log    io.Writer
	tmp    string
	db     *database
	roster *child
	bare   *child
}

// logf prints a progress line on stderr.
func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.log, "roster-bench: "+format+"\n", args...)
}

// run seeds, starts the servers, drives every scenario and returns the
// report. Whatever it started stays for cleanup to stop.
func (b *bench) run(ctx context.Context) (*report, error) {
	var err error
	if b.tmp, err = os.MkdirTemp("", "roster-bench-"); err != nil {
		return nil, err
	}
	ld, err := newLoader(b.cfg.loader, b.tmp)
	if err != nil {
		return nil, err
	}
	bin := b.cfg.rosterBin
	if bin == "" {
		b.logf("building ./cmd/roster")
		if bin, err = buildRoster(ctx, b.tmp); err != nil {
			return nil, err
		}
	}
	key, stats, err := b.prepareDatabase(ctx, bin)
	if err != nil {
		return nil, err
	}
	b.logf("starting roster serve")
	if b.roster, err = startRoster(ctx, bin, b.db.dsn, filepath.Join(b.tmp, "roster.log")); err != nil {
		return nil, err
	}
	p := newPlan(key, stats.FirstID, b.cfg.users)
	p.SignInBody = signInForm(signInEmail, signInPassword)
	signInID, token, err := createSignInUser(ctx, b.roster.base, key)
	if err != nil {
		return nil, err
	}
	p.Token = token
	if err := b.startBare(ctx, p); err != nil {
		return nil, err
	}
	rep := b.newReport(stats, ld)
	if slices.Contains(b.cfg.scenarios, findScenario("signin")) {
		b.logf("measuring argon2id on %d cores", runtime.GOMAXPROCS(0))
		rep.Argon2PerSec = argon2Rate(time.Second)
	}
	for _, sc := range b.cfg.scenarios {
		if sc.name == "delete" {
			if p.Delete, err = b.deletePool(ctx, p, signInID); err != nil {
				return nil, err
			}
		}
		res, err := b.measure(ctx, ld, p, sc, rep.Argon2PerSec)
		if err != nil {
			return nil, err
		}
		rep.Results = append(rep.Results, res)
	}
	if rep.PeakRSSBytes, err = peakRSS(b.roster.pid()); err != nil {
		return nil, err
	}
	if rep.DBSizeBytes, err = b.db.size(ctx); err != nil {
		return nil, err
	}
	return rep, nil
}

// prepareDatabase creates the database, has roster migrate it and make an
// API key, and seeds it.
func (b *bench) prepareDatabase(ctx context.Context, bin string) (string, seedStats, error) {
	dir, err := b.tmp, error(nil)
	if b.cfg.keep && b.cfg.engine == "sqlite" && b.cfg.db == "" {
		// The default file lives in a temp dir of its own, which cleanup
		// leaves alone.
		if dir, err = os.MkdirTemp("", "roster-bench-db-"); err != nil {
			return "", seedStats{}, err
		}
	}
	if b.db, err = createDatabase(ctx, b.cfg.engine, b.cfg.db, dir); err != nil {
		return "", seedStats{}, err
	}
	key, err := createKey(ctx, bin, b.db.dsn)
	if err != nil {
		return "", seedStats{}, err
	}
	b.logf("seeding %d users into %s %s", b.cfg.users, b.db.engine, b.db.label())
	st, err := b.db.open(ctx)
	if err != nil {
		return "", seedStats{}, err
	}
	stats, err := seedUsers(ctx, st, b.cfg.users, b.log)
	if err = errors.Join(err, st.Close()); err != nil {
		return "", seedStats{}, err
	}
	b.logf("seeded in %s (%.0f users/s)", stats.Elapsed.Round(time.Millisecond), float64(b.cfg.users)/stats.Elapsed.Seconds())
	return key, stats, b.db.analyze(ctx)
}

// startBare captures a real answer to every read scenario and starts the
// bare server that replays them; without reads there is nothing to do.
func (b *bench) startBare(ctx context.Context, p *plan) error {
	dir := filepath.Join(b.tmp, "bare")
	if err := os.Mkdir(dir, 0o700); err != nil {
		return err
	}
	reads := 0
	for _, sc := range b.cfg.scenarios {
		if !sc.write {
			if err := capture(ctx, b.roster.base, p, sc, dir); err != nil {
				return fmt.Errorf("capturing a response for the bare handler: %w", err)
			}
			reads++
		}
	}
	if reads == 0 {
		return nil
	}
	if err := writeBareCredentials(dir, p); err != nil {
		return err
	}
	var err error
	b.bare, err = startBare(ctx, dir)
	return err
}

// deletePool returns the ids delete may take: the users made since the
// sign-in user (by the create scenario), then the seeded ones above the
// range update renames, from the top down.
func (b *bench) deletePool(ctx context.Context, p *plan, signInID int64) (deletePool, error) {
	st, err := b.db.open(ctx)
	if err != nil {
		return deletePool{}, err
	}
	defer st.Close()
	top, err := st.Users(ctx, roster.DefaultPartnerID, roster.UserFilter{Descending: true, Limit: 1})
	if err != nil {
		return deletePool{}, err
	}
	d := deletePool{Lo1: signInID + 1, Hi2: p.userID(p.Users), Lo2: p.userID(p.UpdateHi + 1)}
	if len(top) == 1 && top[0].ID > signInID {
		d.N1 = top[0].ID - signInID
	}
	return d, nil
}

// measure drives sc against Roster and, for a read, its bare copy against
// the bare server, and returns the result.
func (b *bench) measure(ctx context.Context, ld loader, p *plan, sc *scenario, argon2 float64) (result, error) {
	conc, d := b.cfg.readConc, b.cfg.duration
	if sc.write {
		conc = b.cfg.writeConc
	}
	b.logf("%s: %d connections for %s", sc.name, conc, d)
	busy0, cpu0, db0 := machineBusy(), cpuTime(b.roster.pid()), b.dbCPU()
	m, err := ld.run(ctx, job{base: b.roster.base, sc: sc, plan: p, concurrency: conc, duration: d})
	if err != nil {
		return result{}, err
	}
	server, db := cpuTime(b.roster.pid())-cpu0, max(0, b.dbCPU()-db0)
	res := newResult(sc, conc, m, server)
	res.DBCPUPerReq = perRequestMicros(db, m.Requests)
	other := machineBusy() - busy0 - server - db - m.LoadCPU
	res.OtherCPUShare = max(0, other.Seconds()/(m.Elapsed.Seconds()*float64(runtime.NumCPU())))
	if sc.name == "delete" && m.Requests > p.Delete.size() {
		b.logf("delete: %d requests for %d deletable users; the rest fail", m.Requests, p.Delete.size())
	}
	if !sc.write {
		bm, err := ld.run(ctx, job{base: b.bare.base, sc: bareOf(sc), plan: p, concurrency: conc, duration: b.cfg.bare})
		if err != nil {
			return result{}, err
		}
		res.setBare(bm)
	}
	if sc.name == "signin" {
		res.setArgon2(argon2)
	}
	res.PeakRSSBytes, err = peakRSS(b.roster.pid())
	return res, err
}

// dbCPU is the CPU the PostgreSQL backends of the bench's database have
// used: the part of Roster's work done outside its own process. SQLite's
// is inside it: 0.
func (b *bench) dbCPU() time.Duration {
	if b.db.engine != "postgres" {
		return 0
	}
	return backendCPU(b.db.name)
}

// newReport starts the report with the setting of the run.
func (b *bench) newReport(stats seedStats, ld loader) *report {
	return &report{
		Engine: b.cfg.engine, Users: b.cfg.users,
		SeedSeconds: stats.Elapsed.Seconds(), SeedPerSec: float64(b.cfg.users) / stats.Elapsed.Seconds(),
		ContainsFragment: containsFragment, ContainsShare: float64(stats.Contains) / float64(b.cfg.users),
		GoVersion: runtime.Version(), GOMAXPROCS: runtime.GOMAXPROCS(0), CPU: cpuModel(),
		Load: ld.name(), Concurrency: b.cfg.readConc, WriteConcurrency: b.cfg.writeConc,
		Seconds: b.cfg.duration.Seconds(), BareSeconds: b.cfg.bare.Seconds(),
	}
}

// cleanup stops the servers, drops the database unless -keep, and removes
// the temp files. Roster must exit 0 on SIGTERM; anything else is an error.
func (b *bench) cleanup() error {
	var errs []error
	if b.roster != nil {
		if err := b.roster.stop(); err != nil {
			errs = append(errs, fmt.Errorf("%w; its log ends:\n%s", err, tail(filepath.Join(b.tmp, "roster.log"), 2000)))
		}
	}
	if b.bare != nil {
		errs = append(errs, b.bare.stop())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if b.db != nil {
		if b.cfg.keep {
			b.logf("kept the database: %s", b.db.dsn)
		} else {
			errs = append(errs, b.db.drop(ctx))
		}
	}
	if b.tmp != "" {
		errs = append(errs, os.RemoveAll(b.tmp))
	}
	return errors.Join(errs...)
}
