package httpapi_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/masteryledger/ledger/adapters/httpapi"
)

// The attacks of hostile clients, each on a real server on loopback with
// small bounds. Attackers connect from 127.0.0.2 and the honest client from
// 127.0.0.1, so that the cap per client address can tell them apart.

const (
	attackerIP = "127.0.0.2"
	honestIP   = "127.0.0.1"
	// patience bounds every wait of these tests for something the server
	// is to do at once or after one of its (sub-second) timeouts.
	patience = 3 * time.Second
)

// hostileServer is the API handler served by NewHTTPServer on a
// LimitListener: the defences as `ledger serve` sets them up.
type hostileServer struct {
	srv  *http.Server
	addr string
	done chan error // Serve's result
}

// startHostile starts a server for h (nil: the API with the test tokens and
// no store, enough to refuse, time out and answer /healthz). The test may
// set srv's hooks in prepare, before it serves.
func startHostile(t *testing.T, h http.Handler, opts *httpapi.ServerOptions, limits *httpapi.ConnLimits, prepare ...func(*http.Server)) *hostileServer {
	t.Helper()
	if h == nil {
		tokens, err := httpapi.NewTokens([]httpapi.Credential{{Token: adminToken, Role: "admin", Name: "Office"}})
		if err != nil {
			t.Fatal(err)
		}
		h = httpapi.NewServer(httpapi.Config{Tokens: tokens})
	}
	ln, err := net.Listen("tcp", honestIP+":0")
	if err != nil {
		t.Fatal(err)
	}
	s := &hostileServer{srv: httpapi.NewHTTPServer(h, opts), addr: ln.Addr().String(), done: make(chan error, 1)}
	for _, p := range prepare {
		p(s.srv)
	}
	go func() { s.done <- s.srv.Serve(httpapi.LimitListener(ln, limits)) }()
	t.Cleanup(func() {
		s.srv.Close()
		if err := <-s.done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return s
}

// dial connects to the server from the local address ip.
func (s *hostileServer) dial(t *testing.T, ip string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: patience}
	c, err := d.Dial("tcp", s.addr)
	if err != nil {
		t.Fatalf("dial from %s: %v", ip, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// healthz asks for /healthz from 127.0.0.1 on a fresh connection.
func (s *hostileServer) healthz(t *testing.T) error {
	t.Helper()
	c := s.dial(t, honestIP)
	defer c.Close()
	if _, err := fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: ledger\r\n\r\n"); err != nil {
		return err
	}
	resp, err := readResponse(c, bufio.NewReader(c))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /healthz: %s", resp.Status)
	}
	return nil
}

// readResponse reads one response, body included, allowing patience.
func readResponse(c net.Conn, br *bufio.Reader) (*http.Response, error) {
	c.SetReadDeadline(time.Now().Add(patience))
	defer c.SetReadDeadline(time.Time{})
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if _, err := io.ReadAll(resp.Body); err != nil {
		return nil, fmt.Errorf("read the answer's body: %w", err)
	}
	return resp, nil
}

// closedWithin reports nil once the server has closed c (a read ends in
// EOF or a reset) within d, or an error saying it is still open.
func closedWithin(c net.Conn, br io.Reader, d time.Duration) error {
	c.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, br)
	if err == nil || !errors.Is(err, os.ErrDeadlineExceeded) {
		return nil // EOF, or a reset: closed
	}
	return fmt.Errorf("the connection is still open after %s", d)
}

// requestHead is a POST /v1/schools whose headers declare a body of
// length bytes; token may be empty.
func requestHead(token string, length int64) string {
	h := "POST /v1/schools HTTP/1.1\r\nHost: ledger\r\nContent-Type: application/json\r\n"
	if token != "" {
		h += "Authorization: Bearer " + token + "\r\n"
	}
	return h + fmt.Sprintf("Content-Length: %d\r\n\r\n", length)
}

// Idle keep-alive connections from one address take no more than its cap,
// /healthz still answers another address at once, and the idle ones are
// closed after the idle timeout.
func TestIdleKeepAliveConnectionsAreCappedAndClosed(t *testing.T) {
	const perAddr, attackers = 8, 40
	// An idle timeout long enough that no kept connection is closed, and
	// its slot given back, while the attackers are still connecting.
	s := startHostile(t, nil, &httpapi.ServerOptions{IdleTimeout: time.Second},
		&httpapi.ConnLimits{MaxConns: 1000, MaxConnsPerAddr: perAddr})

	type idle struct {
		c  net.Conn
		br *bufio.Reader
	}
	var kept []idle
	for range attackers {
		c := s.dial(t, attackerIP)
		br := bufio.NewReader(c)
		fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: ledger\r\n\r\n")
		if _, err := readResponse(c, br); err == nil {
			kept = append(kept, idle{c, br})
		}
	}
	if len(kept) != perAddr {
		t.Errorf("%d of %d keep-alive connections from one address were answered, want the cap, %d", len(kept), attackers, perAddr)
	}
	if err := s.healthz(t); err != nil {
		t.Fatalf("with %s's connections held open: %v", attackerIP, err)
	}
	for i, k := range kept {
		if err := closedWithin(k.c, k.br, patience); err != nil {
			t.Fatalf("idle connection %d: %v", i, err)
		}
	}
}

// Over the total cap a connection is closed at once, from any address,
// and a slot is given back when a connection closes: the accept loop goes
// on.
func TestTotalConnectionCap(t *testing.T) {
	const total = 4
	s := startHostile(t, nil, nil, &httpapi.ConnLimits{MaxConns: total, MaxConnsPerAddr: -1})
	var held []net.Conn
	for i := range total {
		c := s.dial(t, attackerIP)
		fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: ledger\r\n\r\n")
		if _, err := readResponse(c, bufio.NewReader(c)); err != nil {
			t.Fatalf("connection %d of %d: %v", i+1, total, err)
		}
		held = append(held, c)
	}
	if err := s.healthz(t); err == nil {
		t.Fatalf("a connection over the total cap of %d was answered", total)
	}
	held[0].Close()
	// The slot comes back once the server has seen the close; until then
	// each try is refused at once.
	deadline := time.Now().Add(patience)
	for {
		err := s.healthz(t)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after a connection closed, /healthz still fails: %v", err)
		}
	}
}

// A body that trickles in is cut off at the read timeout, however steadily
// it comes.
func TestSlowBodyIsCutOff(t *testing.T) {
	s := startHostile(t, nil, &httpapi.ServerOptions{ReadTimeout: 300 * time.Millisecond}, nil)
	c := s.dial(t, attackerIP)
	fmt.Fprint(c, requestHead(adminToken, 1000)+`{"schoolId":`)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // a byte every 20 ms: slow, never stalled
		defer wg.Done()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if _, err := c.Write([]byte(" ")); err != nil {
					return
				}
			}
		}
	}()
	defer wg.Wait()
	defer close(stop)
	if err := closedWithin(c, c, patience); err != nil {
		t.Fatalf("slow body: %v", err)
	}
}

// A request refused before its body is read is answered at once, and its
// connection closed, without reading the rest of the body.
func TestSlowBodyAfter401IsNotRead(t *testing.T) {
	s := startHostile(t, nil, nil, nil)
	c := s.dial(t, attackerIP)
	fmt.Fprint(c, requestHead("", 1000)+`{"schoolId"`)
	br := bufio.NewReader(c)
	resp, err := readResponse(c, br)
	if err != nil {
		t.Fatalf("no answer to a request without a token while its body trickles: %v", err)
	}
	if resp.StatusCode != http.StatusUnauthorized || !resp.Close {
		t.Fatalf("got %s with Connection %q, want 401 and close", resp.Status, resp.Header.Get("Connection"))
	}
	if err := closedWithin(c, br, patience); err != nil {
		t.Fatalf("after the 401: %v", err)
	}
}

// A body declared far over the limit is a 413 at once, although the client
// sends only 7 bytes of it.
func TestDeclaredHugeBodyIs413AtOnce(t *testing.T) {
	s := startHostile(t, nil, nil, nil)
	c := s.dial(t, attackerIP)
	fmt.Fprint(c, requestHead(adminToken, 1_000_000_000_000)+`{"a":1}`)
	br := bufio.NewReader(c)
	resp, err := readResponse(c, br)
	if err != nil {
		t.Fatalf("no answer to a Content-Length of 10^12 with a 7-byte body: %v", err)
	}
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !resp.Close {
		t.Fatalf("got %s with Connection %q, want 413 and close", resp.Status, resp.Header.Get("Connection"))
	}
	if err := closedWithin(c, br, patience); err != nil {
		t.Fatalf("after the 413: %v", err)
	}
}

// Shutdown returns within its grace, and closes every connection, while
// twenty clients are still sending their bodies.
func TestShutdownWithSlowBodiesIsBounded(t *testing.T) {
	const slow, grace = 20, 300 * time.Millisecond
	active := make(chan struct{}, slow)
	s := startHostile(t, nil, nil, &httpapi.ConnLimits{MaxConnsPerAddr: slow}, func(srv *http.Server) {
		srv.ConnState = func(_ net.Conn, st http.ConnState) {
			if st == http.StateActive {
				active <- struct{}{}
			}
		}
	})
	var conns []net.Conn
	for range slow {
		c := s.dial(t, attackerIP)
		fmt.Fprint(c, requestHead(adminToken, 1000)+`{"schoolId":`)
		conns = append(conns, c)
	}
	for i := range slow {
		select {
		case <-active:
		case <-time.After(patience):
			t.Fatalf("only %d of %d slow requests reached the server", i, slow)
		}
	}
	start := time.Now()
	err := httpapi.Shutdown(t.Context(), s.srv, grace)
	if took := time.Since(start); took > grace+2*time.Second {
		t.Fatalf("Shutdown took %s with %d slow bodies, want about its grace, %s", took, slow, grace)
	}
	if err == nil {
		t.Errorf("Shutdown reported every request finished, with %d bodies unfinished", slow)
	}
	for i, c := range conns {
		if err := closedWithin(c, c, patience); err != nil {
			t.Fatalf("slow connection %d after Shutdown: %v", i, err)
		}
	}
}
