package httpapi

import (
	"slices"
	"testing"

	"github.com/roster-dev/roster/internal/roster"
)

func TestParseID(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64 // 0: invalid
	}{
		{"1", 1},
		{"9007199254740991", roster.MaxID},
		{"9007199254740992", 0},
		{"0", 0},
		{"-1", 0},
		{"+1", 0},
		{"01", 0},
		{"1e3", 0},
		{" 1", 0},
		{"", 0},
		{"99999999999999999999", 0},
	} {
		got, err := ParseID(tc.in)
		if tc.want == 0 && roster.ErrorCode(err) != roster.EInvalid {
			t.Errorf("ParseID(%q) = %d, %v; want invalid", tc.in, got, err)
		}
		if tc.want != 0 && (err != nil || got != tc.want) {
			t.Errorf("ParseID(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestQuery(t *testing.T) {
	q, err := ParseQuery("limit=5&flag=true&dup=a&dup=b&empty=&id=3&id=1&ids=2,,4")
	if err != nil {
		t.Fatal(err)
	}
	if n, ok, err := q.Int("limit"); n != 5 || !ok || err != nil {
		t.Errorf("Int(limit) = %d %v %v", n, ok, err)
	}
	if _, ok, err := q.Int("empty"); ok || err != nil {
		t.Errorf("empty value should mean not given: %v %v", ok, err)
	}
	if b, err := q.Bool("flag", false); !b || err != nil {
		t.Errorf("Bool(flag) = %v %v", b, err)
	}
	if b, err := q.Bool("absent", true); !b || err != nil {
		t.Errorf("Bool(absent) = %v %v, want the default", b, err)
	}
	if _, err := q.String("dup"); roster.ErrorCode(err) != roster.EInvalid {
		t.Errorf("a repeated parameter: %v, want invalid", err)
	}
	ids, err := q.IDs("id", "ids")
	if err != nil || !slices.Equal(ids, []int64{3, 1, 2, 4}) {
		t.Errorf("IDs = %v %v", ids, err)
	}
	if _, err := ParseQuery("a=%zz"); roster.ErrorCode(err) != roster.EInvalid {
		t.Errorf("malformed escape: %v, want invalid", err)
	}
	bad, _ := ParseQuery("limit=ten&flag=maybe&ids=1,x")
	if _, _, err := bad.Int("limit"); err == nil {
		t.Error("limit=ten accepted")
	}
	if _, err := bad.Bool("flag", false); err == nil {
		t.Error("flag=maybe accepted")
	}
	if _, err := bad.IDs("id", "ids"); err == nil {
		t.Error("ids=1,x accepted")
	}
}

func TestParseQuery_RefusesBytesNoStoredTextHolds(t *testing.T) {
	for _, raw := range []string{"contains=%FF", "contains=a%00b", "%C0%AF=1", "%00=x", "search=%ED%A0%80"} {
		if _, err := ParseQuery(raw); roster.ErrorCode(err) != roster.EInvalid {
			t.Errorf("ParseQuery(%q) = %v, want invalid", raw, err)
		}
	}
	for _, raw := range []string{"contains=%C3%A9", "contains=%25%5F%5C", "contains=%09tab"} {
		if _, err := ParseQuery(raw); err != nil {
			t.Errorf("ParseQuery(%q) = %v, want it accepted", raw, err)
		}
	}
}
