package service

import (
	"sync"
	"time"
)

// maxCachedCredentials bounds the credential cache; when it is full the
// whole cache is dropped, which costs one lookup per live credential.
const maxCachedCredentials = 4096

// authCache remembers, for a short time, who a credential (an API key or
// an access token, by its SHA-256) stands for. Looking a credential up
// costs one or two queries on every request, as much as the request's own
// work for a read by id; the cache saves them for a credential used again
// within the TTL.
//
// It never makes a credential work that the database would refuse for
// longer than the TTL, and in this process not at all: every write that
// can revoke or weaken a credential (a state change, a deletion, a
// password change or reset, a role change, a lockout) goes through
// partnerTx, which drops the whole cache once it has committed (the writes
// that only add, through grantTx, keep it). A lookup
// that raced with such a write is not stored: the generation counter tells
// it a drop happened while it read. Another process on the same database
// (a second node, the CLI) cannot reach this cache; there a revocation
// takes effect within the TTL. An entry also never outlives its token or
// its user's temporary password.
type authCache struct {
	ttl time.Duration // 0: no caching

	mu      sync.RWMutex
	gen     uint64
	entries map[[32]byte]cachedActor
}

type cachedActor struct {
	actor   Actor
	expires time.Time
}

func newAuthCache(ttl time.Duration) *authCache {
	return &authCache{ttl: ttl, entries: map[[32]byte]cachedActor{}}
}

// remember returns the actor cached for the credential whose SHA-256 is
// sum, or else the one lookup finds (given the hash), caching it until
// the time lookup says the credential stops being valid by itself (zero:
// no such time) or the TTL, whichever comes first. Failures are not cached.
func (c *authCache) remember(sum [32]byte, now time.Time, lookup func(sum []byte) (Actor, time.Time, error)) (Actor, error) {
	a, ok, gen := c.get(sum, now)
	if ok {
		return a, nil
	}
	a, validUntil, err := lookup(sum[:])
	if err != nil {
		return Actor{}, err
	}
	c.put(sum, a, gen, now, validUntil)
	return a, nil
}

// get returns the actor cached for the credential's hash, if one is live
// at now, and the generation to pass to put after a lookup.
func (c *authCache) get(sum [32]byte, now time.Time) (Actor, bool, uint64) {
	if c.ttl <= 0 {
		return Actor{}, false, 0
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.entries[sum]
	if ok && now.Before(e.expires) {
		return e.actor, true, c.gen
	}
	return Actor{}, false, c.gen
}

// put caches a for the credential's hash until now+TTL or until, if it
// is sooner, the credential stops being valid by itself. It does nothing
// if the cache was dropped since gen was read.
func (c *authCache) put(sum [32]byte, a Actor, gen uint64, now, validUntil time.Time) {
	if c.ttl <= 0 {
		return
	}
	expires := now.Add(c.ttl)
	if !validUntil.IsZero() && validUntil.Before(expires) {
		expires = validUntil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.entries) >= maxCachedCredentials {
		c.dropLocked()
	}
	c.entries[sum] = cachedActor{actor: a, expires: expires}
}

// drop forgets every cached credential.
func (c *authCache) drop() {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dropLocked()
}

func (c *authCache) dropLocked() {
	c.gen++
	clear(c.entries)
}
