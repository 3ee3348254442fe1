package httpapi

import (
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// DefaultMaxKeys bounds how many keys a KeyedLimiter remembers.
const DefaultMaxKeys = 10_000

// KeyedLimiter is a token bucket per key (a client address, a username),
// with a bounded number of keys: memory cannot grow with the number of
// addresses or names an attacker makes up. A nil *KeyedLimiter allows
// everything, which is how a limit is turned off.
type KeyedLimiter struct {
	limit   rate.Limit
	burst   int
	maxKeys int
	now     func() time.Time

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

// NewKeyedLimiter allows each key perMinute events a minute, burst at
// once. perMinute <= 0 turns the limit off (it returns nil). maxKeys < 1
// means DefaultMaxKeys.
func NewKeyedLimiter(perMinute float64, burst, maxKeys int) *KeyedLimiter {
	if perMinute <= 0 {
		return nil
	}
	if maxKeys < 1 {
		maxKeys = DefaultMaxKeys
	}
	return &KeyedLimiter{
		limit: rate.Limit(perMinute / 60), burst: max(burst, 1), maxKeys: maxKeys,
		now: time.Now, buckets: make(map[string]*rate.Limiter),
	}
}

// Allow takes one token from key's bucket. When there is none it takes
// nothing and says how long until there will be one.
func (l *KeyedLimiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	if l == nil {
		return true, 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		l.makeRoom(now)
		b = rate.NewLimiter(l.limit, l.burst)
		l.buckets[key] = b
	}
	res := b.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}

// makeRoom, when the map is full, forgets every key whose bucket has
// refilled (it is the same as a new one) and, if that frees less than an
// eighth of the map, arbitrary others: sweeping is then paid once per
// maxKeys/8 new keys. Forgetting a key that was being limited gives it a
// fresh burst; that takes maxKeys/8 new keys first, which the other limit
// (addresses for usernames) makes slow to come by.
func (l *KeyedLimiter) makeRoom(now time.Time) {
	if len(l.buckets) < l.maxKeys {
		return
	}
	want := max(l.maxKeys/8, 1)
	freed := 0
	for k, b := range l.buckets {
		if b.TokensAt(now) >= float64(l.burst) {
			delete(l.buckets, k)
			freed++
		}
	}
	for k := range l.buckets {
		if freed >= want {
			break
		}
		delete(l.buckets, k)
		freed++
	}
}

// Len is how many keys l remembers.
func (l *KeyedLimiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// RetryAfter renders a wait as a Retry-After value: whole seconds, rounded
// up, at least 1.
func RetryAfter(d time.Duration) string {
	s := int64(math.Ceil(d.Seconds()))
	return strconv.FormatInt(max(s, 1), 10)
}

// ClientKey is the address a request came from, for rate limits: its IP
// without the port, and for IPv6 its /64, since one host is routinely
// given a whole /64 and could otherwise rotate through it. Behind a reverse
// proxy this is the proxy's address.
func ClientKey(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}
