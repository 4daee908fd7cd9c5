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
	m  map[string]*session
}

func newSessions(now func() time.Time, idle, absolute time.Duration, max int) *sessions {
	return &sessions{now: now, idle: idle, absolute: absolute, max: max, m: make(map[string]*session)}
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
func (s *sessions) start(digest [sha256.Size]byte) (id string, sess session) {
	now := s.now()
	sess = session{digest: digest, csrf: randomHex(32), created: now, lastSeen: now}
	id = randomHex(32) // 256 bits
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.m) >= s.max {
		s.sweepLocked(now)
	}
	for len(s.m) >= s.max {
		var oldest string
		for k, v := range s.m {
			if oldest == "" || v.lastSeen.Before(s.m[oldest].lastSeen) {
				oldest = k
			}
		}
		delete(s.m, oldest)
	}
	s.m[id] = &sess
	return id, sess
}

// get returns the live session of an id and marks it used; ok is false
// for an unknown or expired id (an expired one is removed).
func (s *sessions) get(id string) (session, bool) {
	if len(id) != 64 {
		return session{}, false
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.m[id]
	if !ok {
		return session{}, false
	}
	if s.expired(sess, now) {
		delete(s.m, id)
		return session{}, false
	}
	sess.lastSeen = now
	return *sess, true
}

// end removes a session; ending an unknown one is no error.
func (s *sessions) end(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
}

// len counts the sessions held, expired or not.
func (s *sessions) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

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
