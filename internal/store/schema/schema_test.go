package schema

import (
	"testing"
	"testing/fstest"
)

func TestLatest(t *testing.T) {
	fsys := fstest.MapFS{
		"m/00001_init.sql":   {},
		"m/00010_later.sql":  {},
		"m/00002_second.sql": {},
		"m/README.md":        {},
	}
	if got, err := Latest(fsys, "m/*.sql"); err != nil || got != 10 {
		t.Errorf("Latest = %d, %v; want 10", got, err)
	}
	if _, err := Latest(fstest.MapFS{"m/init.sql": {}}, "m/*.sql"); err == nil {
		t.Error("a migration without a version: no error")
	}
}
