package keystore

import (
	"context"
	"fmt"

	"github.com/masteryledger/ledger/domain"
)

// Destroyer is what a Shredder needs of a key store. *Store implements it.
type Destroyer interface {
	Destroy(ctx context.Context, learnerID string) error
}

var _ Destroyer = (*Store)(nil)

// Shredder is a read model (projections.Model) that destroys the key of
// every learner whose LearnerPersonalDataErased it is fed, and ignores
// every other event. Destroying is idempotent, so it may be fed the whole
// log at every start: an erasure appended by a process that died before
// it destroyed the key is finished by the next one that reads the log.
type Shredder struct {
	keys Destroyer
}

// NewShredder returns a Shredder over keys.
func NewShredder(keys Destroyer) *Shredder { return &Shredder{keys: keys} }

// Apply destroys the key of the learner an erasure event names. It fails if
// the key cannot be destroyed, which stops the projection engine: serving
// on while an erased learner's key survives would be the wrong way to fail.
func (s *Shredder) Apply(e domain.RecordedEvent) error {
	if e.Type != domain.TypeLearnerPersonalDataErased {
		return nil
	}
	learnerID, err := learnerOf(e.Stream)
	if err != nil {
		return fmt.Errorf("erasure %s: %w", e.ID, err)
	}
	// A read model's Apply takes no context; destroying is a few local
	// file operations that must not be cut short anyway.
	if err := s.keys.Destroy(context.Background(), learnerID); err != nil {
		return fmt.Errorf("erasure %s: %w", e.ID, err)
	}
	return nil
}
