package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// selfSigned writes a certificate for 127.0.0.1 and its key, as PEM files
// in dir, and returns their paths and the certificate.
func selfSigned(t *testing.T, dir string) (certPath, keyPath string, cert *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "ledger test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	if cert, err = x509.ParseCertificate(der); err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certPath, keyPath, cert
}

func TestServeHTTPS(t *testing.T) {
	dir := t.TempDir()
	certPath, keyPath, cert := selfSigned(t, dir)
	url, stop := startServe(t, "--data", filepath.Join(dir, "data"), "--tls-cert", certPath, "--tls-key", keyPath)
	if !strings.HasPrefix(url, "https://") {
		t.Fatalf("serve printed %q, want an https:// address", url)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	resp, err := client.Get(url + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz over TLS: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.TLS == nil {
		t.Fatalf("GET /healthz over TLS: %s (TLS state %v)", resp.Status, resp.TLS != nil)
	}
	// Plain HTTP to the same port gets no answer from the API.
	plain, err := http.Get("http://" + strings.TrimPrefix(url, "https://") + "/healthz")
	if err == nil {
		plain.Body.Close()
		if plain.StatusCode == http.StatusOK {
			t.Error("plain HTTP on the TLS port answered 200")
		}
	}
	if err := stop(); err != nil {
		t.Fatalf("serve returned %v after cancel, want nil", err)
	}
}

func TestServeTLSFlags(t *testing.T) {
	dir := t.TempDir()
	certPath, keyPath, _ := selfSigned(t, dir)
	// A serve that starts instead of refusing stops here, and fails.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, c := range []struct {
		args  []string
		usage bool   // exit 2
		says  string // in the error
	}{
		{[]string{"--tls-cert", certPath}, true, "go together"},
		{[]string{"--tls-key", keyPath}, true, "go together"},
		{[]string{"--tls-cert", certPath, "--tls-key", filepath.Join(dir, "missing.pem")}, false, "missing.pem"},
		{[]string{"--tls-cert", keyPath, "--tls-key", certPath}, false, "--tls-cert"},
		{[]string{"--max-conns", "lots"}, true, "--max-conns"},
		{[]string{"--max-conns-per-addr", "0"}, true, "-1 for no cap"},
		{[]string{"--shutdown-grace", "20s"}, true, "at most 8s"},
		{[]string{"--shutdown-grace", "0"}, true, "--shutdown-grace"},
	} {
		args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", filepath.Join(dir, "data")}, c.args...)
		err := run(ctx, args, noEnv, io.Discard, io.Discard)
		switch {
		case err == nil:
			t.Errorf("%q: served, want an error", c.args)
		case errors.Is(err, errUsage) != c.usage:
			t.Errorf("%q: %v; usage error (exit 2) %v, want %v", c.args, err, errors.Is(err, errUsage), c.usage)
		case !strings.Contains(err.Error(), c.says):
			t.Errorf("%q: %v, want it to say %q", c.args, err, c.says)
		}
	}
	// The variables do what the flags do.
	env := map[string]string{"LEDGER_TLS_CERT": certPath}
	err := run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", filepath.Join(dir, "data")}, func(k string) string { return env[k] }, io.Discard, io.Discard)
	if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), "go together") {
		t.Errorf("LEDGER_TLS_CERT without LEDGER_TLS_KEY: %v, want a usage error", err)
	}
}

// serve puts its listener behind the caps it is given: with one
// connection per address, a second one from the same address is closed
// unanswered while the first is held open.
func TestServeCapsConnectionsPerAddress(t *testing.T) {
	url, stop := startServe(t, "--data", t.TempDir(), "--max-conns-per-addr", "1")
	addr := strings.TrimPrefix(url, "http://")
	ask := func(c net.Conn) error {
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: ledger\r\n\r\n"); err != nil {
			return err
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			return err
		}
		resp.Body.Close()
		return nil
	}
	first, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	if err := ask(first); err != nil {
		t.Fatalf("the first connection: %v", err)
	}
	second, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if err := ask(second); err == nil {
		t.Fatal("a second connection from the same address was answered, over a cap of 1")
	}
	first.Close()
	second.Close()
	if err := stop(); err != nil {
		t.Fatalf("serve returned %v after cancel, want nil", err)
	}
}

// SIGTERM ends the process in time whatever the clients do: twenty
// requests whose bodies never finish do not hold it past the grace and
// the store's close (before, they held it for the whole 10 s and more).
func TestSIGTERMWithSlowBodiesExitsInTime(t *testing.T) {
	const slow, grace = 20, 300 * time.Millisecond
	dir := t.TempDir()
	tokens := writeTokens(t, dir)
	c := startChild(t, "--data", dir, "--tokens", tokens, "--shutdown-grace", grace.String())
	addr := strings.TrimPrefix(c.url, "http://")
	for range slow {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		io.WriteString(conn, "POST /v1/schools HTTP/1.1\r\nHost: ledger\r\n"+
			"Authorization: Bearer admin-token-for-tests\r\nContent-Length: 1000\r\n\r\n{\"schoolId\":")
	}
	// The listener accepts in order: once a later connection is answered,
	// the slow ones are being served.
	if status, body := call(t, "GET", c.url+"/healthz", "", nil); status != http.StatusOK {
		t.Fatalf("GET /healthz beside %d slow bodies: %d %s", slow, status, body)
	}
	start := time.Now()
	c.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("the server had not exited 10 s after SIGTERM, with %d slow bodies", slow)
	}
	took := time.Since(start)
	if took > grace+4*time.Second {
		t.Errorf("SIGTERM took %s with a grace of %s", took, grace)
	}
	// The slow bodies were held until the grace ran out, so the test
	// tested what it says.
	if took < grace {
		t.Errorf("SIGTERM took %s, less than the grace of %s: the slow requests were not in flight", took, grace)
	}
}
