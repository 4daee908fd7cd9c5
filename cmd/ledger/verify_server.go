package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/masteryledger/ledger/adapters/httpapi"
	"github.com/masteryledger/ledger/adapters/translog"
	"github.com/masteryledger/ledger/domain"
)

// verifyPage is how many events verify --server asks for at a time (the
// feed's largest page).
const verifyPage = 10_000

// defaultServerProofs is how many inclusion proofs verify --server asks
// for by default: enough that a log which differs from the feed at a tenth
// of the leaves is caught with probability 1 - 0.9^64 > 0.998, in 64 small
// requests.
const defaultServerProofs = 64

// serverReport is what verify --server checked, beyond verify's report.
type serverReport struct {
	verifyReport
	inclusion, consistency int
}

// runVerifyServer is `ledger verify --server URL`.
func runVerifyServer(ctx context.Context, server, token string, getenv func(string) string, vkey string, checkpoints []string, noKey bool, proofs int, stdout io.Writer) error {
	if token == "" {
		token = getenv("LEDGER_TOKEN")
	}
	if token == "" {
		return fmt.Errorf("verify: --server needs an auditor token: --token or LEDGER_TOKEN: %w", errUsage)
	}
	base, err := url.Parse(server)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return fmt.Errorf("verify: --server %q: want http(s)://host[:port]: %w", server, errUsage)
	}
	var cps []translog.Checkpoint
	if len(checkpoints) > 0 {
		if vkey == "" {
			return fmt.Errorf("verify: --checkpoint with --server needs --key: %w", errUsage)
		}
		if cps, err = readCheckpoints(checkpoints, vkey); err != nil {
			return fmt.Errorf("verify: %w", err)
		}
	}
	if proofs < 0 {
		return fmt.Errorf("verify: --proofs %d: want 0 or more: %w", proofs, errUsage)
	}
	r, err := verifyServer(ctx, &serverVerifier{base: base, token: token, client: &http.Client{}}, vkey, cps, proofs)
	if err != nil {
		return fmt.Errorf("verify %s: %w", server, err)
	}
	fmt.Fprintf(stdout, "ok: %d events in %d streams; every hash chain and the global order verify; the log's tree over them and %s; the log proves %d of the events included and %d saved checkpoints consistent with its checkpoint\n",
		r.events, r.streams, r.checkpointLine(), r.inclusion, r.consistency)
	if noKey {
		fmt.Fprintln(stdout, "note: checked against the key the server serves; pass --key with the key you saved, and --checkpoint with checkpoints you archived, to rule out a server that changed its key")
	}
	return nil
}

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
//
// It also asks the server's log to prove what it holds: a consistency
// proof from each saved checkpoint to the current one (the log only grew),
// and an inclusion proof in the current checkpoint's tree for up to proofs
// events drawn at random (all of them if proofs is at least the tree's
// size): the leaf the log stores for an event must be the event the feed
// served, at the same place, with the hash recomputed from its content.
// The tree recomputed from the feed already vouches for the events against
// the signed checkpoint; the proofs check the leaves and proofs the server
// hands everyone else against the feed, and name a changed event where the
// root comparison only says that the tree differs.
func verifyServer(ctx context.Context, v *serverVerifier, vkey string, cps []translog.Checkpoint, proofs int) (serverReport, error) {
	var r serverReport
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
	for _, saved := range cps {
		if err := v.consistent(ctx, saved, current); err != nil {
			return r, err
		}
		r.consistency++
	}
	cps = append(cps, current)
	sample := sampleLeaves(current.Size, proofs)

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
				// The chain recomputed e.Hash from the event's content: it
				// is the leaf the log must hold.
				if index := audit.Size(); sample(index) {
					if err := v.included(ctx, e, index, current); err != nil {
						return n, err
					}
					r.inclusion++
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

// sampleLeaves draws up to n distinct leaf indices below size at random
// (every one if n >= size) and reports whether an index was drawn. A server
// cannot tell which leaves an auditor will ask about.
func sampleLeaves(size uint64, n int) func(uint64) bool {
	if n <= 0 {
		return func(uint64) bool { return false }
	}
	if uint64(n) >= size {
		return func(i uint64) bool { return i < size }
	}
	drawn := make(map[uint64]bool, n)
	for len(drawn) < n {
		drawn[rand.Uint64N(size)] = true
	}
	return func(i uint64) bool { return drawn[i] }
}

// consistent fetches the consistency proof from a saved checkpoint to the
// server's current one and checks it: the tree the saved one signed is a
// prefix of the current tree.
func (v *serverVerifier) consistent(ctx context.Context, saved, current translog.Checkpoint) error {
	what := fmt.Sprintf("the consistency proof from the saved checkpoint of size %d to the server's of size %d", saved.Size, current.Size)
	if saved.Size > current.Size {
		return fmt.Errorf("%w: the server's checkpoint has size %d, a saved one %d: the log shrank", errVerifyFailed, current.Size, saved.Size)
	}
	var p httpapi.ConsistencyProof
	if err := v.getJSON(ctx, "/v1/log/proof/consistency", url.Values{
		"from": {strconv.FormatUint(saved.Size, 10)}, "to": {strconv.FormatUint(current.Size, 10)}}, &p); err != nil {
		return err
	}
	if p.From != saved.Size || p.To != current.Size {
		return fmt.Errorf("%w: %s: the server answered one from size %d to %d", errVerifyFailed, what, p.From, p.To)
	}
	hashes, err := translog.DecodeHashes(p.Hashes)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", errVerifyFailed, what, err)
	}
	if err := translog.VerifyConsistency(saved, current, hashes); err != nil {
		return fmt.Errorf("%w: %s does not verify: the log was rewritten, or the proof is wrong: %w", errVerifyFailed, what, err)
	}
	return nil
}

// included fetches the inclusion proof of e, leaf index of the feed, in the
// current checkpoint's tree and checks that the log stores e there, with
// the hash recomputed from its content, and that the proof leads from that
// leaf to the checkpoint's root.
func (v *serverVerifier) included(ctx context.Context, e domain.RecordedEvent, index uint64, current translog.Checkpoint) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w: inclusion proof of leaf %d (event %s at position %d) in the checkpoint of size %d: %s",
			errVerifyFailed, index, e.ID, e.Position, current.Size, fmt.Sprintf(format, args...))
	}
	var p httpapi.InclusionProof
	if err := v.getJSON(ctx, "/v1/log/proof/inclusion", url.Values{
		"eventId": {e.ID.String()}, "size": {strconv.FormatUint(current.Size, 10)}}, &p); err != nil {
		return err
	}
	switch {
	case p.EventID != e.ID:
		return fail("the server answered for event %s", p.EventID)
	case p.LeafIndex != index:
		return fail("the log holds the event as leaf %d: the feed's order is not the log's", p.LeafIndex)
	case p.EventHash != e.Hash:
		return fail("the log holds hash %s for it, the feed's event hashes to %s: the event served is not the one logged", p.EventHash, e.Hash)
	case p.Position != e.Position:
		return fail("the log holds it at position %d: the global order was renumbered", p.Position)
	case p.TreeSize != current.Size:
		return fail("the server answered a proof for a tree of size %d", p.TreeSize)
	}
	hashes, err := translog.DecodeHashes(p.Hashes)
	if err != nil {
		return fail("%v", err)
	}
	if err := translog.VerifyInclusion(current, index, e.Hash, hashes); err != nil {
		return fail("the proof does not lead to the checkpoint's root: %v", err)
	}
	return nil
}

// getJSON fetches path (with the auditor's token, which the log routes do
// not need) and decodes its JSON answer into out.
func (v *serverVerifier) getJSON(ctx context.Context, path string, query url.Values, out any) error {
	body, err := v.get(ctx, path, query, false)
	if err != nil {
		return err
	}
	defer body.Close()
	if err := json.NewDecoder(io.LimitReader(body, 1<<20)).Decode(out); err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	return nil
}
