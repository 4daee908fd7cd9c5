package httpapi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/masteryledger/ledger/adapters/oneroster"
)

// MaxImportBytes is the largest archive POST /v1/imports/oneroster takes;
// larger is 413. What it may inflate to is capped apart
// (oneroster.DefaultLimits).
const MaxImportBytes = 64 << 20

// importOneRoster is POST /v1/imports/oneroster: a zipped OneRoster set
// (body) into schools and learners. Admins only, and any school: the
// ledger's admins are not scoped to a school (adapters/access), and a set
// names its schools in its own orgs.csv, not in the path. Query flags:
// dryRun, withdrawMissing, profiles (each true or false, default false).
// Answers 200 with the report; a bad file is a 400 whose errors name the
// file, the line and the column, and nothing is written.
func (s *Server) importOneRoster(w http.ResponseWriter, r *http.Request) error {
	var opts oneroster.Options
	for name, flag := range map[string]*bool{"dryRun": &opts.DryRun, "withdrawMissing": &opts.WithdrawMissing, "profiles": &opts.Profiles} {
		v := r.URL.Query().Get(name)
		if v == "" {
			continue
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return &badRequest{Field: name, Message: fmt.Sprintf("%q is not true or false", v)}
		}
		*flag = b
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return err
		}
		return &badRequest{Message: "the body could not be read: " + err.Error()}
	}
	if len(body) == 0 {
		return &badRequest{Message: "the body is empty; send the OneRoster set as a zip archive"}
	}
	set, err := oneroster.OpenZip(bytes.NewReader(body), int64(len(body)), nil)
	if err != nil {
		return rosterError(err)
	}
	roster, err := oneroster.Read(set)
	if err != nil {
		return rosterError(err)
	}
	led, err := oneroster.Scan(r.Context(), s.cfg.Events)
	if err != nil {
		return err
	}
	opts.Actor = principalFrom(r.Context()).Actor()
	if s.cfg.Personal != nil {
		opts.OpenProfile = s.cfg.Personal.Open
	}
	rep, err := oneroster.Import(r.Context(), roster, led, s.cfg.Service, opts)
	if err != nil {
		return rosterError(err)
	}
	// 201 when something was recorded, 200 for a dry run or a set the
	// ledger already holds, as the CASE import answers.
	status := http.StatusOK
	if rep.LastPosition > 0 {
		if err := s.waitApplied(r.Context(), rep.LastPosition); err != nil {
			loggerFrom(r.Context()).Warn("read model lags behind an import", "position", rep.LastPosition, "err", err.Error())
		}
		status = http.StatusCreated
	}
	writeJSON(w, r, status, rep)
	return nil
}

// rosterError turns a fault of the set into a 400 naming where it is:
// the field is "file:line:column" (or "file:line:name" for a column the
// header lacks), as compilers name a place in a file.
func rosterError(err error) error {
	var fe *oneroster.FileError
	switch {
	case errors.As(err, &fe):
		where := fmt.Sprintf("%s:%d:%d", fe.File, fe.Line, fe.Column)
		if fe.Column == 0 {
			where = fmt.Sprintf("%s:%d:%s", fe.File, fe.Line, fe.Name)
		}
		msg := fe.Message
		if fe.Name != "" && fe.Column != 0 {
			msg = fe.Name + ": " + msg
		}
		return &badRequest{Field: where, Message: msg}
	case errors.Is(err, oneroster.ErrBadRoster):
		return &badRequest{Message: err.Error()}
	}
	return err
}
