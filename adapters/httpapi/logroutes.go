package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/adapters/translog"
)

// TransparencyLog is what the log routes and verifiable transcripts need of
// the transparency log.
type TransparencyLog interface {
	Key() *translog.Key
	Size() uint64
	Checkpoint(ctx context.Context) (translog.Checkpoint, error)
	CheckpointAt(ctx context.Context, size uint64) (translog.Checkpoint, error)
	Leaf(ctx context.Context, id uuid.UUID) (translog.Leaf, error)
	RootAt(ctx context.Context, size uint64) ([]byte, error)
	InclusionProof(ctx context.Context, index, size uint64) ([][]byte, error)
	ConsistencyProof(ctx context.Context, from, to uint64) ([][]byte, error)
	WaitFor(ctx context.Context, pos uint64) error
}

// The log's answers are public: they hold hashes, never content, and a
// transparency log is only worth what outsiders can check.

func (s *Server) getLogKey(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.Log == nil {
		return errNoLog
	}
	writeText(w, s.cfg.Log.Key().VerifierKey+"\n")
	return nil
}

func (s *Server) getCheckpoint(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.Log == nil {
		return errNoLog
	}
	// A checkpoint asked for after a write was acknowledged covers it: the
	// log lets leaves gather, so it is given until it has every event the
	// read model has applied. If it cannot get there (a full disk, a
	// timeout), the checkpoint of what it has is still true, and answered.
	if p, ok := s.cfg.Projection.(positioner); ok {
		wctx, cancel := context.WithTimeout(r.Context(), s.cfg.ReadYourWritesTimeout)
		s.cfg.Log.WaitFor(wctx, p.Position()) //nolint:errcheck // see above
		cancel()
	}
	cp, err := s.cfg.Log.Checkpoint(r.Context())
	if err != nil {
		return err
	}
	writeText(w, string(cp.Note))
	return nil
}

// InclusionProof is GET /v1/log/proof/inclusion.
type InclusionProof struct {
	EventID   uuid.UUID `json:"eventId"`
	Position  uint64    `json:"position"`
	EventHash string    `json:"eventHash"`
	LeafIndex uint64    `json:"leafIndex"`
	TreeSize  uint64    `json:"treeSize"`
	RootHash  string    `json:"rootHash"`
	Hashes    []string  `json:"hashes"`
	// Checkpoint is the signed checkpoint of TreeSize, when one was
	// signed at that size (always, when size is left out).
	Checkpoint *string `json:"checkpoint"`
}

func (s *Server) getInclusionProof(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.Log == nil {
		return errNoLog
	}
	raw := r.URL.Query().Get("eventId")
	id, err := uuid.Parse(raw)
	if err != nil || raw != id.String() {
		return &badRequest{Field: "eventId", Message: "must be an event id, a lower-case UUID"}
	}
	ctx := r.Context()
	leaf, err := s.cfg.Log.Leaf(ctx, id)
	if errors.Is(err, translog.ErrNotInLog) {
		// The log lets leaves gather before it writes them, so a write
		// acknowledged a moment ago may not be in it yet. Every
		// acknowledged write is in the read model: once the log has
		// caught up with it, an event still missing was never stored here.
		if p, ok := s.cfg.Projection.(positioner); ok {
			wctx, cancel := context.WithTimeout(ctx, s.cfg.ReadYourWritesTimeout)
			werr := s.cfg.Log.WaitFor(wctx, p.Position())
			cancel()
			if werr == nil {
				leaf, err = s.cfg.Log.Leaf(ctx, id)
			}
		}
	}
	if err != nil {
		return err
	}
	size, cp, err := s.treeSize(ctx, r, "size")
	if err != nil {
		return err
	}
	var note *string
	if cp != nil {
		note = noteOf(cp)
	}
	if leaf.Index >= size {
		return &badRequest{Field: "size", Message: "the event is leaf " + strconv.FormatUint(leaf.Index, 10) + ": the tree must hold more than that many leaves"}
	}
	hashes, err := s.cfg.Log.InclusionProof(ctx, leaf.Index, size)
	if err != nil {
		return err
	}
	var root []byte
	if cp != nil {
		root = cp.Root // signed: no need to recompute it
	} else if root, err = s.cfg.Log.RootAt(ctx, size); err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, InclusionProof{
		EventID: id, Position: leaf.Position, EventHash: leaf.Hash, LeafIndex: leaf.Index, TreeSize: size,
		RootHash: translog.EncodeHashes([][]byte{root})[0], Hashes: translog.EncodeHashes(hashes), Checkpoint: note,
	})
	return nil
}

// ConsistencyProof is GET /v1/log/proof/consistency.
type ConsistencyProof struct {
	From   uint64   `json:"from"`
	To     uint64   `json:"to"`
	Hashes []string `json:"hashes"`
	// FromCheckpoint and ToCheckpoint are the signed checkpoints of those
	// sizes, when the log signed them.
	FromCheckpoint *string `json:"fromCheckpoint"`
	ToCheckpoint   *string `json:"toCheckpoint"`
}

func (s *Server) getConsistencyProof(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.Log == nil {
		return errNoLog
	}
	ctx := r.Context()
	if r.URL.Query().Get("from") == "" {
		return &badRequest{Field: "from", Message: "is required: the size of the older tree"}
	}
	from, err := queryUint(r, "from", 0, 0)
	if err != nil {
		return err
	}
	to, toCP, err := s.treeSize(ctx, r, "to")
	if err != nil {
		return err
	}
	if from > to {
		return &badRequest{Field: "from", Message: "must not be larger than to (" + strconv.FormatUint(to, 10) + ")"}
	}
	hashes, err := s.cfg.Log.ConsistencyProof(ctx, from, to)
	if err != nil {
		return err
	}
	out := ConsistencyProof{From: from, To: to, Hashes: translog.EncodeHashes(hashes)}
	if toCP != nil {
		out.ToCheckpoint = noteOf(toCP)
	}
	if cp, err := s.cfg.Log.CheckpointAt(ctx, from); err == nil {
		out.FromCheckpoint = noteOf(&cp)
	}
	writeJSON(w, r, http.StatusOK, out)
	return nil
}

// treeSize reads a tree size from the query, or takes the latest
// checkpoint's (signing one if the tree grew). It returns the size's signed
// checkpoint when there is one.
func (s *Server) treeSize(ctx context.Context, r *http.Request, name string) (uint64, *translog.Checkpoint, error) {
	if r.URL.Query().Get(name) == "" {
		cp, err := s.cfg.Log.Checkpoint(ctx)
		if err != nil {
			return 0, nil, err
		}
		return cp.Size, &cp, nil
	}
	size, err := queryUint(r, name, 0, 0)
	if err != nil {
		return 0, nil, err
	}
	if n := s.cfg.Log.Size(); size > n {
		return 0, nil, &badRequest{Field: name, Message: "the log holds " + strconv.FormatUint(n, 10) + " leaves"}
	}
	if cp, err := s.cfg.Log.CheckpointAt(ctx, size); err == nil {
		return size, &cp, nil
	}
	return size, nil, nil
}

// noteOf is a checkpoint's signed note as the JSON answers carry it.
func noteOf(cp *translog.Checkpoint) *string {
	note := string(cp.Note)
	return &note
}

func writeText(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	w.Write([]byte(body))
}
