package web

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"sync"
	"time"
)

// CookieName is the session cookie. Its value is a random session id that
// the server maps to a principal; it is never the token.
const CookieName = "ledger_session"

// session is one signed-in browser.
type session struct {
	// digest is the SHA-256 of the token signed in with: enough to ask
	// the token table at each request whether the token still holds
	// (revoked, expired), without keeping the token.
	digest [sha256.Size]byte
	// csrf is the token every form of this session carries.
	csrf     string
	created  time.Time
	lastSeen time.Time
}

// sessions is the server-side table of sessions, in memory.
type sessions struct {
	now      func() time.Time
	idle     time.Duration // a session unused this long ends
	absolute time.Duration // a session this old ends, used or not
	max      int           // sessions kept at most

	mu sync.Mutex
	// m is keyed by the SHA-256 of the session id, not the id: memory
	// holds nothing a cookie could be rebuilt from, and the time a lookup
	// takes says nothing about the ids held.
	m map[[sha256.Size]byte]*session
}

func newSessions(now func() time.Time, idle, absolute time.Duration, max int) *sessions {
	return &sessions{now: now, idle: idle, absolute: absolute, max: max, m: make(map[[sha256.Size]byte]*session)}
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// start makes a session for a token's digest and returns its id. At the
// cap, expired sessions go first, then the one unused the longest, so a
// flood of sign-ins cannot grow memory without bound.
func (s *sessions) start(digest [sha256.Size]byte) (id string) {
	now := s.now()
	sess := session{digest: digest, csrf: randomHex(32), created: now, lastSeen: now}
	id = randomHex(32) // 256 bits
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.m) >= s.max {
		s.sweepLocked(now)
	}
	for len(s.m) >= s.max {
		var oldest [sha256.Size]byte
		var oldestSeen time.Time
		first := true
		for k, v := range s.m {
			if first || v.lastSeen.Before(oldestSeen) {
				oldest, oldestSeen, first = k, v.lastSeen, false
			}
		}
		delete(s.m, oldest)
	}
	s.m[sessionKey(id)] = &sess
	return id
}

// get returns the live session of an id and marks it used; ok is false
// for an unknown or expired id (an expired one is removed).
func (s *sessions) get(id string) (session, bool) {
	if len(id) != 64 {
		return session{}, false
	}
	now, key := s.now(), sessionKey(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.m[key]
	if !ok {
		return session{}, false
	}
	if s.expired(sess, now) {
		delete(s.m, key)
		return session{}, false
	}
	sess.lastSeen = now
	return *sess, true
}

// end removes a session; ending an unknown one is no error.
func (s *sessions) end(id string) {
	key := sessionKey(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, key)
}

func sessionKey(id string) [sha256.Size]byte { return sha256.Sum256([]byte(id)) }

func (s *sessions) expired(sess *session, now time.Time) bool {
	return !now.Before(sess.lastSeen.Add(s.idle)) || !now.Before(sess.created.Add(s.absolute))
}

func (s *sessions) sweepLocked(now time.Time) {
	for k, v := range s.m {
		if s.expired(v, now) {
			delete(s.m, k)
		}
	}
}

// validCSRF compares a form's CSRF token with the session's in constant
// time.
func (sess session) validCSRF(got string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(sess.csrf)) == 1
}
