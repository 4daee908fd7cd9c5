package projections

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/google/uuid"

	"github.com/masteryledger/ledger/domain"
)

// Credentials returns the learner's issued credentials, revoked or not, in
// the order they were recorded. Returns an error wrapping ErrNotFound if
// the learner is not enrolled.
func (v *View) Credentials(learnerID string) ([]domain.Credential, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	l := v.learners[learnerID]
	if !l.Enrolled() {
		return nil, fmt.Errorf("learner %q is not enrolled: %w", learnerID, domain.ErrNotFound)
	}
	out := make([]domain.Credential, 0, len(l.Credentials))
	for _, c := range l.Credentials {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b domain.Credential) int {
		return cmp.Compare(a.Issued.StatusListIndex, b.Issued.StatusListIndex)
	})
	return out, nil
}

// RevokedCredentials returns the status list indexes of every revoked
// credential, ascending, and the count of credentials issued: together
// they change whenever the revocation list must be signed anew.
func (v *View) RevokedCredentials() (revoked []uint64, issued int) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	for _, l := range v.learners {
		for _, c := range l.Credentials {
			issued++
			if c.RevokedBy != uuid.Nil {
				revoked = append(revoked, c.Issued.StatusListIndex)
			}
		}
	}
	slices.Sort(revoked)
	return revoked, issued
}
