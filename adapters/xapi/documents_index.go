package xapi

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"sync"
	"time"

	"github.com/masteryledger/ledger/domain"
)

// documents is the document resources' read model (state, activity
// profile, agent profile): the current document of each key of each
// school, built from XAPIDocumentPut and XAPIDocumentDeleted as the Index
// applies them, under the Index's lock. Its zero value is empty.
type documents struct {
	sets map[docSet]map[string]*document // the documents of a set, by stateId or profileId
	// erasedAt is the position of each learner's erasure of personal
	// data: the documents their stream held before it are hidden.
	erasedAt map[string]uint64
	// write serialises the document writes of this process, so that the
	// check of If-Match / If-None-Match and the append it allows are one
	// step: the Index applies a write before the next one is checked.
	write sync.Mutex
}

// docSet is what names a set of documents but their id: the school, the
// resource and its keys.
type docSet struct {
	school, kind, activity, agent, registration string
}

// document is one current document.
type document struct {
	id          string
	contentType string
	content     []byte
	etag        string // quoted
	updated     time.Time
	learner     string // the learner whose stream holds it, or ""
	position    uint64
}

func setOf(school, kind, activity, agent, registration string) docSet {
	return docSet{school: school, kind: kind, activity: activity, agent: agent, registration: registration}
}

// apply folds a document event, or a learner's erasure of personal data.
// Called under the Index's write lock.
func (d *documents) apply(e domain.RecordedEvent, ev domain.Event) {
	switch ev := ev.(type) {
	case domain.XAPIDocumentPut:
		if d.sets == nil {
			d.sets = make(map[docSet]map[string]*document)
		}
		k := setOf(ev.SchoolID, ev.Kind, ev.ActivityID, ev.Agent, ev.Registration)
		m := d.sets[k]
		if m == nil {
			m = make(map[string]*document)
			d.sets[k] = m
		}
		sum := sha256.Sum256(ev.Content)
		doc := &document{id: ev.DocumentID, contentType: ev.ContentType, content: ev.Content,
			etag: `"` + hex.EncodeToString(sum[:]) + `"`, updated: e.RecordedAt, position: e.Position}
		if cat, id, _ := domain.ParseStream(e.Stream); cat == domain.LearnerCategory {
			doc.learner = id
		}
		m[ev.DocumentID] = doc
	case domain.LearnerPersonalDataErased:
		if d.erasedAt == nil {
			d.erasedAt = make(map[string]uint64)
		}
		if _, id, _ := domain.ParseStream(e.Stream); id != "" {
			d.erasedAt[id] = e.Position
		}
	case domain.XAPIDocumentDeleted:
		k := setOf(ev.SchoolID, ev.Kind, ev.ActivityID, ev.Agent, ev.Registration)
		if ev.DocumentID == "" {
			delete(d.sets, k)
			return
		}
		delete(d.sets[k], ev.DocumentID)
		if len(d.sets[k]) == 0 {
			delete(d.sets, k)
		}
	}
}

// visible reports whether a document is answered: not one its learner's
// erasure of personal data came after.
func (d *documents) visible(doc *document) bool {
	return doc.learner == "" || d.erasedAt[doc.learner] < doc.position
}

// document returns a current document, or nil.
func (x *Index) document(k docSet, id string) *document {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if doc := x.docs.sets[k][id]; doc != nil && x.docs.visible(doc) {
		c := *doc
		return &c
	}
	return nil
}

// documentIDs returns the ids of a set's current documents updated after
// since (all if since is zero), sorted.
func (x *Index) documentIDs(k docSet, since time.Time) []string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	ids := []string{}
	for id, doc := range x.docs.sets[k] {
		if x.docs.visible(doc) && (since.IsZero() || doc.updated.After(since)) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// documentsWrite locks the document writes; the caller unlocks.
func (x *Index) documentsWrite() func() {
	x.docs.write.Lock()
	return x.docs.write.Unlock
}
