package httpapi

import (
	"net"
	"sync"
)

// ConnLimits caps the connections a listener keeps open.
type ConnLimits struct {
	// MaxConns caps the connections open at once, from every client
	// together. 0 takes DefaultConnLimits.MaxConns; negative means no cap.
	MaxConns int
	// MaxConnsPerAddr caps the connections open at once from one client IP
	// address. 0 takes DefaultConnLimits.MaxConnsPerAddr; negative means no
	// cap. Behind a reverse proxy every connection comes from the proxy's
	// address: there the cap must be above the proxy's own connection pool,
	// or off, and the proxy should cap its clients instead.
	MaxConnsPerAddr int
}

// DefaultConnLimits are the caps LimitListener uses for a zero field.
var DefaultConnLimits = ConnLimits{MaxConns: 2048, MaxConnsPerAddr: 128}

// LimitListener returns a listener that accepts from ln at most the
// connections limits allow. A connection over a cap is closed as soon as it
// is accepted, without a byte read or written, and Accept goes on to the
// next one: the accept loop never waits for a slot, so a client within the
// caps is never queued behind one over them.
func LimitListener(ln net.Listener, limits *ConnLimits) net.Listener {
	l := DefaultConnLimits
	if limits != nil {
		if limits.MaxConns != 0 {
			l.MaxConns = limits.MaxConns
		}
		if limits.MaxConnsPerAddr != 0 {
			l.MaxConnsPerAddr = limits.MaxConnsPerAddr
		}
	}
	return &limitListener{Listener: ln, limits: l, perAddr: map[string]int{}}
}

type limitListener struct {
	net.Listener
	limits ConnLimits

	mu      sync.Mutex
	total   int
	perAddr map[string]int // open connections by client IP; no zero entries
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		addr := clientIP(c.RemoteAddr())
		if l.admit(addr) {
			return &limitedConn{Conn: c, release: func() { l.release(addr) }}, nil
		}
		c.Close()
	}
}

// admit counts a new connection from addr, unless it is over a cap.
func (l *limitListener) admit(addr string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.limits.MaxConns > 0 && l.total >= l.limits.MaxConns {
		return false
	}
	if l.limits.MaxConnsPerAddr > 0 && l.perAddr[addr] >= l.limits.MaxConnsPerAddr {
		return false
	}
	l.total++
	l.perAddr[addr]++
	return true
}

func (l *limitListener) release(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total--
	if l.perAddr[addr]--; l.perAddr[addr] <= 0 {
		delete(l.perAddr, addr) // so the map does not grow with every client ever seen
	}
}

// clientIP is the IP of a remote address, without its port.
func clientIP(a net.Addr) string {
	if tcp, ok := a.(*net.TCPAddr); ok {
		return tcp.IP.String()
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

// limitedConn gives its slot back when it is first closed (net/http may
// close a connection more than once).
type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
