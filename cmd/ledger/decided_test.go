package main

import (
	"bytes"
	"context"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/masteryledger/ledger/adapters/keystore"
	"github.com/masteryledger/ledger/adapters/sqlite"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/domain/service"
)

// decodeChecker is a store that checks every event appended through it: the
// payload the deciding process folds (carried with the event) must be what
// decoding the event's stored bytes gives, which every other process and
// every rebuild does.
type decodeChecker struct {
	domain.EventStore
	t     *testing.T
	mu    sync.Mutex
	types map[string]int
}

func (c *decodeChecker) Append(ctx context.Context, stream string, expected domain.ExpectedRevision, events ...domain.EventData) ([]domain.RecordedEvent, error) {
	recs, err := c.EventStore.Append(ctx, stream, expected, events...)
	for _, r := range recs {
		carried, err := domain.DecodeEvent(r)
		if err != nil {
			c.t.Errorf("%s %s: %v", r.Type, r.ID, err)
			continue
		}
		r.Data = bytes.Clone(r.Data) // other bytes: decoded from them
		stored, err := domain.DecodeEvent(r)
		if err != nil {
			c.t.Errorf("%s %s: %v", r.Type, r.ID, err)
			continue
		}
		if !reflect.DeepEqual(carried, stored) {
			c.t.Errorf("%s %s folds as\n%#v\nin the process that decided it, but decodes as\n%#v", r.Type, r.ID, carried, stored)
		}
		c.mu.Lock()
		c.types[r.Type]++
		c.mu.Unlock()
	}
	return recs, err
}

// TestDecidedEventsDecodeToThemselves writes the demo school through the
// service and checks each event as it is appended (decodeChecker): a
// process folds its own events as decided, so that must be what any
// reader decodes. The catalog's samples, every field set, are checked the
// same way in package domain (TestDecodeEventRoundTrip).
func TestDecidedEventsDecodeToThemselves(t *testing.T) {
	ctx := t.Context()
	store, err := sqlite.Open(ctx, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	keys, err := keystore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	check := &decodeChecker{EventStore: store, t: t, types: map[string]int{}}
	if err := writeDemo(ctx, service.New(check, &service.Options{Seal: keystore.NewSealer(keys).Seal}), check, 8); err != nil {
		t.Fatal(err)
	}
	var types []string
	for typ := range check.types {
		types = append(types, typ)
	}
	slices.Sort(types)
	t.Logf("checked %v", check.types)
	if len(types) < 12 {
		t.Errorf("the demo wrote only %v", types)
	}
}
