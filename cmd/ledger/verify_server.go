package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/masteryledger/ledger/adapters/translog"
	"github.com/masteryledger/ledger/domain"
)

// verifyPage is how many events verify --server asks for at a time (the
// feed's largest page).
const verifyPage = 10_000

// serverVerifier reads a running ledger over HTTP, as an auditor without
// credentials for the store would.
type serverVerifier struct {
	base   *url.URL
	token  string
	client *http.Client
}

// get fetches path and returns the body, or an error naming the status.
func (v *serverVerifier) get(ctx context.Context, path string, query url.Values, auth bool) (io.ReadCloser, error) {
	u := v.base.JoinPath(path)
	u.RawQuery = query.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", path, err)
	}
	if auth {
		req.Header.Set("Authorization", "Bearer "+v.token)
	}
	resp, err := v.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		resp.Body.Close()
		return nil, fmt.Errorf("GET %s: %s: %s", path, resp.Status, strings.TrimSpace(string(body)))
	}
	return resp.Body, nil
}

func (v *serverVerifier) text(ctx context.Context, path string) (string, error) {
	body, err := v.get(ctx, path, nil, false)
	if err != nil {
		return "", err
	}
	defer body.Close()
	b, err := io.ReadAll(io.LimitReader(body, 64<<10))
	if err != nil {
		return "", fmt.Errorf("GET %s: %w", path, err)
	}
	return string(b), nil
}

// verifyServer checks a running ledger: the log's key (vkey, or the one the
// server serves), its current checkpoint and any saved ones (cps), then
// every event of the feed, in pages, through the hash chains, the global
// order and the log's tree, as verify --export does with a file. The
// current checkpoint is fetched before the events, so the feed holds at
// least its size.
func verifyServer(ctx context.Context, v *serverVerifier, vkey string, cps []translog.Checkpoint) (verifyReport, error) {
	var r verifyReport
	if vkey == "" {
		k, err := v.text(ctx, "/v1/log/key")
		if err != nil {
			return r, err
		}
		vkey = strings.TrimSpace(k)
	}
	raw, err := v.text(ctx, "/v1/log/checkpoint")
	if err != nil {
		return r, err
	}
	current, err := translog.OpenCheckpoint([]byte(raw), vkey)
	if err != nil {
		return r, fmt.Errorf("%w: the server's checkpoint: %w", errVerifyFailed, err)
	}
	cps = append(cps, current)

	chain := domain.ChainVerifier{} // sparse positions on EventStoreDB; the checkpoints vouch for the order
	audit := translog.NewAuditor(cps...)
	var after uint64
	for {
		body, err := v.get(ctx, "/v1/events", url.Values{"after": {strconv.FormatUint(after, 10)}, "limit": {strconv.Itoa(verifyPage)}}, true)
		if err != nil {
			return r, err
		}
		n, err := func() (int, error) {
			defer body.Close()
			sc := bufio.NewScanner(body)
			sc.Buffer(make([]byte, 0, 64<<10), 4*domain.MaxEventDataSize)
			n := 0
			for sc.Scan() {
				var e domain.RecordedEvent
				if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
					return n, fmt.Errorf("GET /v1/events after %d: event %d: not an event envelope: %w", after, n+1, err)
				}
				if err := chain.Next(e); err != nil {
					return n, fmt.Errorf("%w: %w", errVerifyFailed, err)
				}
				if err := audit.Event(e, nil); err != nil {
					return n, fmt.Errorf("%w: %w", errVerifyFailed, err)
				}
				after, n = e.Position, n+1
			}
			if err := sc.Err(); err != nil {
				return n, fmt.Errorf("GET /v1/events after %d: %w", after, err)
			}
			return n, nil
		}()
		if err != nil {
			return r, err
		}
		if n == 0 {
			break
		}
	}
	if err := audit.Finish(0); err != nil {
		return r, fmt.Errorf("%w: %w", errVerifyFailed, err)
	}
	r.events, r.streams, r.leaves, r.checked, r.latest = chain.Count(), chain.Streams(), audit.Size(), audit.Checked(), largest(cps)
	return r, nil
}
